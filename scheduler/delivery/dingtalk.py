"""钉钉 group robot: POST JSON to its webhook URL; a robot with 加签 needs ``timestamp`` (ms)
and ``sign`` query parameters, where sign = urlencode(base64(HmacSHA256(key=secret,
message=timestamp + "\\n" + secret))), as DingTalk documents it.

Format: ``markdown`` (title and text; an image shows by address, so the picture is served by
us at a signed URL). Limit: 20 messages a minute per robot; over it DingTalk refuses
(errcode 410100) and throttles the robot for ten minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import quote_plus

from scheduler.delivery.markup import to_markdown
from scheduler.delivery.outbound import Outbound, Verdict

PER_MINUTE = 20
THROTTLED_SECONDS = 600


def sign(secret: str, timestamp_ms: int) -> str:
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str | None, now_ms: int) -> str:
    if not secret:
        return url
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={now_ms}&sign={sign(secret, now_ms)}"


def requests(url: str, secret: str | None, out: Outbound, *, now_ms: int) -> list[tuple[str, Any]]:
    title = out.title or "质量知识竞赛"
    if out.kind == "photo":
        if not out.picture_url:
            return []  # no public address to show it from: the text row follows anyway
        text = f"{to_markdown(out.text)}\n\n![board]({out.picture_url})"
    else:
        text = "  \n".join(to_markdown(out.text).split("\n"))
    if out.screen_url:
        text += f"\n\n[{out.screen_label}]({out.screen_url})"
    body = {"msgtype": "markdown", "markdown": {"title": title[:64], "text": text[:20000]}}
    return [(signed_url(url, secret, now_ms), body)]


def verdict(status: int, body: Any) -> Verdict:
    code = body.get("errcode") if isinstance(body, dict) else None
    if status == 200 and code == 0:
        return Verdict.sent()
    if code == 410100 or status == 429:
        return Verdict.later(THROTTLED_SECONDS, f"dingtalk rate limited ({code})")
    if code in (300001, 400102):  # no such token; the robot was switched off
        return Verdict.gone(f"dingtalk robot gone ({code})")
    if status >= 500:
        return Verdict.backoff(f"dingtalk HTTP {status}")
    return Verdict.failed(f"dingtalk errcode {code}: {str(body)[:200]}")
