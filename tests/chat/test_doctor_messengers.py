"""The doctor's messenger checks against the fake DingTalk's token endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from config import load_settings
from ops.doctor import diagnose
from ops.doctor.messengers import check_messengers
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.signin_wecom import FakeWeCom


@pytest.fixture
async def dingtalk_base() -> AsyncIterator[str]:
    fake = FakeDingTalk()
    yield await fake.start()
    await fake.close()


async def test_good_dingtalk_credentials_get_a_token(dingtalk_base: str) -> None:
    settings = load_settings(
        _env_file=None,
        dingtalk_client_id="ding-app",
        dingtalk_client_secret="ding-secret",
        dingtalk_api_base=dingtalk_base,
    )
    [no_template] = await check_messengers(settings)
    assert no_template.status == "warn" and "卡片平台" in no_template.advice
    settings = settings.model_copy(update={"dingtalk_card_template": "qq-quiz.schema"})
    [finding] = await check_messengers(settings)
    assert (finding.check, finding.status) == ("dingtalk", "ok")


async def test_a_wrong_secret_says_where_to_copy_it_from(dingtalk_base: str) -> None:
    settings = load_settings(
        _env_file=None,
        dingtalk_client_id="ding-app",
        dingtalk_client_secret="nope",
        dingtalk_api_base=dingtalk_base,
    )
    [finding] = await check_messengers(settings)
    assert finding.status == "fail" and "凭证与基础信息" in finding.advice


async def test_half_the_credentials_is_a_problem_and_none_is_no_check() -> None:
    half = load_settings(_env_file=None, feishu_app_id="cli_x")
    [finding] = await check_messengers(half)
    assert finding.status == "fail" and "FEISHU_APP_SECRET" in finding.detail
    assert await check_messengers(load_settings(_env_file=None)) == []


async def test_without_bot_token_a_messenger_alone_is_fine(dingtalk_base: str, tmp_path) -> None:
    settings = load_settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db",
        dingtalk_client_id="ding-app",
        dingtalk_client_secret="ding-secret",
        dingtalk_api_base=dingtalk_base,
        dingtalk_card_template="qq-quiz.schema",
    )
    findings = {f.check: f for f in await diagnose(settings, seconds=5)}
    # Without BOT_TOKEN, WEB_SECRET is the only key that signs the workers' links.
    assert findings["token"].status == "fail" and "WEB_SECRET" in findings["token"].advice
    settings = settings.model_copy(update={"web_secret": SecretStr("long-random")})
    findings = {f.check: f for f in await diagnose(settings, seconds=5)}
    token = findings["token"]
    assert token.status == "ok" and "ways in: DingTalk bot, web face" in token.detail
    assert "bot_api" not in findings and findings["dingtalk"].status == "ok"


async def test_the_wecom_app_is_checked_by_asking_for_its_token() -> None:
    fake = FakeWeCom()
    await fake.start()
    try:
        app = {"wecom_corp_id": fake.corp_id, "wecom_agent_id": fake.agent_id}
        good = load_settings(
            _env_file=None, wecom_secret=fake.secret, wecom_api_base=fake.url, **app
        )
        [finding] = await check_messengers(good)
        assert (finding.check, finding.status) == ("wecom", "ok")
        wrong = good.model_copy(update={"wecom_secret": SecretStr("nope")})
        [finding] = await check_messengers(wrong)
        assert finding.status == "fail" and "invalid credential" in finding.detail
        assert "WECOM_SECRET" in finding.advice
        [finding] = await check_messengers(load_settings(_env_file=None, **app))
        assert finding.status == "fail" and "WECOM_SECRET" in finding.detail
    finally:
        await fake.stop()
