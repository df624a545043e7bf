"""The three messengers' sign-in as the tests drive it: each fake, our settings pointing at it,
and how a member carries their 工号 in its directory (WeCom's alias, DingTalk's job_number,
Feishu's employee_no)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from tests.fakes.signin_dingtalk import FakeDingTalk
from tests.fakes.signin_feishu import FakeFeishu
from tests.fakes.signin_platform import FakePlatform
from tests.fakes.signin_wecom import FakeWeCom


def wecom_settings(fake: FakeWeCom, **more: Any) -> dict[str, Any]:
    return {
        "wecom_corp_id": fake.corp_id,
        "wecom_agent_id": fake.agent_id,
        "wecom_secret": SecretStr(fake.secret),
        "wecom_api_base": fake.url,
        "wecom_oauth_base": fake.url,
        **more,
    }


def dingtalk_settings(fake: FakeDingTalk, **more: Any) -> dict[str, Any]:
    return {
        "dingtalk_client_id": fake.client_id,
        "dingtalk_client_secret": SecretStr(fake.secret),
        "dingtalk_corp_id": fake.corp_id,
        "dingtalk_api_base": fake.url,
        "dingtalk_oapi_base": fake.url,
        "dingtalk_login_base": fake.url,
        **more,
    }


def feishu_settings(fake: FakeFeishu, **more: Any) -> dict[str, Any]:
    return {
        "feishu_app_id": fake.app_id,
        "feishu_app_secret": SecretStr(fake.secret),
        "feishu_api_base": fake.url,
        "feishu_accounts_base": fake.url,
        **more,
    }


@dataclass(frozen=True)
class Messenger:
    name: str  # as the pages say it
    button: str  # the sign-in page's button
    prefix: str  # how the tests name its accounts
    make: Callable[[], Any]
    settings: Callable[[Any], dict[str, Any]]
    member: Callable[[Any, str, str, str], None]  # (fake, account, name, 工号)


MESSENGERS = {
    "wecom": Messenger(
        "企业微信",
        "企业微信一键登录",
        "wx-",
        FakeWeCom,
        wecom_settings,
        lambda fake, account, name, number: fake.member(account, name=name, alias=number),
    ),
    "dingtalk": Messenger(
        "钉钉",
        "钉钉一键登录",
        "dt",
        FakeDingTalk,
        dingtalk_settings,
        lambda fake, account, name, number: fake.member(account, name=name, job_number=number),
    ),
    "feishu": Messenger(
        "飞书",
        "飞书一键登录",
        "ou_",
        FakeFeishu,
        feishu_settings,
        lambda fake, account, name, number: fake.member(account, name=name, employee_no=number),
    ),
}


@asynccontextmanager
async def running(fake: FakePlatform) -> AsyncIterator[Any]:
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
