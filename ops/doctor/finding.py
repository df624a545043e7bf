"""What a doctor check says: ok, warn (works, but worth knowing) or fail, with advice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "warn", "fail"]
NETWORK_TIMEOUT = 10.0


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    detail: str
    advice: str = ""
