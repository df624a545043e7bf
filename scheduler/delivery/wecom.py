"""企业微信 group robot: POST JSON to its webhook URL (the ``key`` is in the URL, no signing).

Formats: ``markdown`` (content at most 4096 bytes) and ``image`` (base64 and MD5 of a JPG or
PNG of at most 2 MB). Limit: 20 messages a minute per robot; over it the reply is errcode
45009.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from scheduler.delivery.markup import fit_bytes, to_markdown
from scheduler.delivery.outbound import Outbound, Verdict

PER_MINUTE = 20
MARKDOWN_BYTES = 4096
IMAGE_BYTES = 2 * 1024 * 1024


def requests(url: str, secret: str | None, out: Outbound, *, now_ms: int) -> list[tuple[str, Any]]:
    if out.kind == "photo" and out.payload and len(out.payload) <= IMAGE_BYTES:
        image = {
            "base64": base64.b64encode(out.payload).decode(),
            "md5": hashlib.md5(out.payload).hexdigest(),
        }
        return [(url, {"msgtype": "image", "image": image})]
    text = to_markdown(out.text)
    if out.screen_url:
        text += f"\n\n[{out.screen_label}]({out.screen_url})"
    return [
        (url, {"msgtype": "markdown", "markdown": {"content": fit_bytes(text, MARKDOWN_BYTES)}})
    ]


def verdict(status: int, body: Any) -> Verdict:
    code = body.get("errcode") if isinstance(body, dict) else None
    if status == 200 and code == 0:
        return Verdict.sent()
    if code == 45009 or status == 429:
        return Verdict.later(60, f"wecom rate limited ({code})")
    if code in (93000, 93004):  # the key is invalid, or the robot was removed from its group
        return Verdict.gone(f"wecom robot gone ({code})")
    if status >= 500:
        return Verdict.backoff(f"wecom HTTP {status}")
    return Verdict.failed(f"wecom errcode {code}: {str(body)[:200]}")
