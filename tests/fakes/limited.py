"""The test fake Bot API with Telegram's flood limits on (:mod:`tests.fakes.flood`), and its
counts at hand: ``accepted`` / ``rejected`` as ``(monotonic time, chat, method)``."""

from __future__ import annotations

from tests.fakes.flood import FloodControl
from tests.fakes.telegram import FakeTelegram


class LimitedTelegram(FakeTelegram):
    def __init__(self, **limits: float) -> None:
        super().__init__(flood=FloodControl(**limits))  # type: ignore[arg-type]

    @property
    def control(self) -> FloodControl:
        assert self.flood is not None
        return self.flood

    @property
    def accepted(self) -> list[tuple[float, int, str]]:
        return self.control.accepted

    @property
    def rejected(self) -> list[tuple[float, int, str]]:
        return self.control.rejected

    def delivered(self) -> list[tuple[int, str]]:
        return self.control.delivered()
