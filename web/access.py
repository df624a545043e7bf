"""Access logs without secrets: the paths that carry a token (a screen link, a personal quiz
link, a picture address) are logged with the token replaced by ``…``."""

from __future__ import annotations

import re

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

_TOKEN_PATH = re.compile(r"^/(screen|h5|robot/picture|live/(?:host|stage|buzz|hall))/[^/?]+")


def redact(path: str) -> str:
    path = path.split("?", 1)[0]
    return _TOKEN_PATH.sub(lambda m: f"/{m.group(1)}/…", path)


class RedactingAccessLogger(AbstractAccessLogger):
    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %.1fms',
            request.remote,
            request.method,
            redact(request.path),
            response.status,
            time * 1000,
        )
