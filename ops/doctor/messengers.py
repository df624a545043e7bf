"""Doctor checks for the enterprise messengers' apps (钉钉, 飞书, 企业微信): all parts of the
credentials set, and the platform handing out an access token for them."""

from __future__ import annotations

from typing import Any

import aiohttp

from config import Settings
from ops.doctor.finding import NETWORK_TIMEOUT, Finding


async def check_messengers(
    settings: Settings, *, seconds: float = NETWORK_TIMEOUT
) -> list[Finding]:
    findings = []
    dingtalk = (settings.dingtalk_client_id, settings.dingtalk_client_secret)
    if any(dingtalk):
        findings.append(await _dingtalk(settings, seconds) if all(dingtalk) else _half("dingtalk"))
    feishu = (settings.feishu_app_id, settings.feishu_app_secret)
    if any(feishu):
        findings.append(await _feishu(settings, seconds) if all(feishu) else _half("feishu"))
    wecom = (settings.wecom_corp_id, settings.wecom_agent_id, settings.wecom_secret)
    if any(wecom):
        findings.append(await _wecom(settings, seconds) if all(wecom) else _half("wecom"))
    return findings


def _half(platform: str) -> Finding:
    names = {
        "dingtalk": "DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET",
        "feishu": "FEISHU_APP_ID and FEISHU_APP_SECRET",
        "wecom": "WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_SECRET",
    }
    return Finding(
        platform,
        "fail",
        f"only some of {names[platform]} are set",
        f"copy both from the app's 凭证与基础信息 page ({names[platform]})",
    )


async def _dingtalk(settings: Settings, seconds: float) -> Finding:
    assert settings.dingtalk_client_secret is not None
    body = {
        "appKey": settings.dingtalk_client_id,
        "appSecret": settings.dingtalk_client_secret.get_secret_value(),
    }
    url = f"{settings.dingtalk_api_base.rstrip('/')}/v1.0/oauth2/accessToken"
    status, answer = await _post(url, body, seconds)
    if status == 200 and isinstance(answer, dict) and answer.get("accessToken"):
        if not settings.dingtalk_card_template:
            return Finding(
                "dingtalk",
                "warn",
                "token granted; DINGTALK_CARD_TEMPLATE is not set: no DingTalk bot (the "
                "browser sign-in and the close's messages to workers only)",
                "for the quiz inside DingTalk, build the card template in 卡片平台 and copy its "
                "模板 ID (docs/deploy.md, 钉钉: the app's robot in Stream mode)",
            )
        return Finding(
            "dingtalk", "ok", f"DingTalk app {settings.dingtalk_client_id}: token granted"
        )
    return Finding(
        "dingtalk",
        "fail",
        f"DingTalk refused the app's credentials ({status}: {_what(answer)})",
        "check DINGTALK_CLIENT_ID (Client ID / AppKey) and DINGTALK_CLIENT_SECRET on the app's "
        "凭证与基础信息 page of open-dev.dingtalk.com",
    )


async def _feishu(settings: Settings, seconds: float) -> Finding:
    assert settings.feishu_app_secret is not None
    body = {
        "app_id": settings.feishu_app_id,
        "app_secret": settings.feishu_app_secret.get_secret_value(),
    }
    url = f"{settings.feishu_api_base.rstrip('/')}/open-apis/auth/v3/tenant_access_token/internal"
    status, answer = await _post(url, body, seconds)
    if status == 200 and isinstance(answer, dict) and answer.get("code") == 0:
        return Finding("feishu", "ok", f"Feishu app {settings.feishu_app_id}: token granted")
    return Finding(
        "feishu",
        "fail",
        f"Feishu refused the app's credentials ({status}: {_what(answer)})",
        "check FEISHU_APP_ID and FEISHU_APP_SECRET on the app's 凭证与基础信息 page of "
        "open.feishu.cn (a self-built app, 企业自建应用)",
    )


async def _wecom(settings: Settings, seconds: float) -> Finding:
    assert settings.wecom_secret is not None
    params = {
        "corpid": settings.wecom_corp_id or "",
        "corpsecret": settings.wecom_secret.get_secret_value(),
    }
    url = f"{settings.wecom_api_base.rstrip('/')}/cgi-bin/gettoken"
    try:
        timeout = aiohttp.ClientTimeout(total=seconds)
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.get(url, params=params) as r,
        ):
            status, answer = r.status, await r.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        status, answer = 0, {"errmsg": f"unreachable: {type(exc).__name__}"}
    if status == 200 and isinstance(answer, dict) and answer.get("errcode") == 0:
        return Finding(
            "wecom",
            "ok",
            f"WeCom app {settings.wecom_agent_id}: token granted (sign-in, the close's messages)",
        )
    return Finding(
        "wecom",
        "fail",
        f"WeCom refused the app's credentials ({status}: {_what(answer)})",
        "check WECOM_CORP_ID (我的企业 → 企业ID) and the app's WECOM_AGENT_ID and WECOM_SECRET "
        "(应用管理 → the self-built app)",
    )


async def _post(url: str, body: dict[str, Any], seconds: float) -> tuple[int, Any]:
    try:
        timeout = aiohttp.ClientTimeout(total=seconds)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.post(url, json=body) as r:
            try:
                return r.status, await r.json(content_type=None)
            except ValueError:
                return r.status, None
    except (aiohttp.ClientError, TimeoutError) as exc:
        return 0, {"message": f"unreachable: {type(exc).__name__}"}


def _what(answer: Any) -> str:
    if not isinstance(answer, dict):
        return "no JSON answer"
    said = answer.get("message") or answer.get("msg") or answer.get("errmsg") or answer.get("code")
    return str(said or answer)[:120]
