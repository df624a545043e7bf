"""Fixtures for the ops tests: the bot's fixtures, a scrape of /metrics, a migrated database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from alembic import command
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ops.health import BotApiStatus, Readiness
from ops.web import add_ops_routes
from storage.migrate import alembic_config
from tests.bot.conftest import admin_chat, api, bot, dp, settings, worker_chat

__all__ = ["admin_chat", "api", "bot", "dp", "settings", "worker_chat"]

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse_metrics(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: TestClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return parse_metrics(await response.text())


async def stamp_head(database_url: str) -> None:
    """Mark a database built by ``create_all`` as migrated (Alembic runs its own loop)."""
    await asyncio.to_thread(command.stamp, alembic_config(database_url), "head")


@pytest.fixture
def bot_status() -> BotApiStatus:
    status = BotApiStatus()
    status.record_ok("quality_quiz_bot")
    return status


@pytest.fixture
async def ops_client(
    session_factory: async_sessionmaker[AsyncSession], database_url: str, bot_status: BotApiStatus
) -> AsyncIterator[TestClient]:
    """An aiohttp client on an app with only the ops routes, over the test database."""
    app = web.Application()
    readiness = Readiness(session_factory, database_url, bot_status=bot_status)
    add_ops_routes(app, readiness=readiness)
    async with TestClient(TestServer(app)) as client:
        yield client


def sqlite_path(database_url: str) -> Path:
    return Path(database_url.split("///", 1)[1])
