"""飞书 group robot: POST JSON to its webhook URL; a robot with 签名校验 needs ``timestamp``
(seconds) and ``sign`` in the body, where sign = base64(HmacSHA256(key=timestamp + "\\n" +
secret, message=empty)), as Feishu documents it.

Format: ``post`` (rich text: a title and paragraphs of text and links). A picture needs an
app's upload API, which a group robot has not, so a picture row becomes a link to it.
Limit: 100 messages a minute and 5 a second per robot (code 11232 when exceeded).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from scheduler.delivery.markup import Piece, to_paragraphs
from scheduler.delivery.outbound import Outbound, Verdict

PER_MINUTE = 100


def sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def requests(url: str, secret: str | None, out: Outbound, *, now_ms: int) -> list[tuple[str, Any]]:
    if out.kind == "photo":
        if not out.picture_url:
            return []
        lines: list[list[dict[str, str]]] = [
            [{"tag": "text", "text": line[0].text}] for line in to_paragraphs(out.text) if line
        ]
        lines.append([{"tag": "a", "text": out.picture_label, "href": out.picture_url}])
    else:
        lines = [[_piece(p) for p in line] for line in to_paragraphs(out.text)]
    if out.screen_url:
        lines.append([{"tag": "a", "text": out.screen_label, "href": out.screen_url}])
    body: dict[str, Any] = {
        "msg_type": "post",
        "content": {"post": {"zh_cn": {"title": out.title or "", "content": lines}}},
    }
    if secret:
        timestamp = now_ms // 1000
        body = {"timestamp": str(timestamp), "sign": sign(secret, timestamp), **body}
    return [(url, body)]


def _piece(piece: Piece) -> dict[str, str]:
    if piece.href:
        return {"tag": "a", "text": piece.text, "href": piece.href}
    return {"tag": "text", "text": piece.text}


def verdict(status: int, body: Any) -> Verdict:
    code = None
    if isinstance(body, dict):
        code = body.get("code", body.get("StatusCode"))
    if status == 200 and code == 0:
        return Verdict.sent()
    if code == 11232 or status == 429:
        return Verdict.later(60, f"feishu rate limited ({code})")
    if code in (19001, 19002):  # the webhook's token is invalid: the robot was removed
        return Verdict.gone(f"feishu robot gone ({code})")
    if status >= 500:
        return Verdict.backoff(f"feishu HTTP {status}")
    return Verdict.failed(f"feishu code {code}: {str(body)[:200]}")
