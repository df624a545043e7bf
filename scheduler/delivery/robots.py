"""Sending outbox rows to group robots: the platform's format and signature (one module per
platform), its rate per robot (aiolimiter buckets; a row over the rate waits for a later
pass instead of holding the sender), and what its answer means for the row.

A message names no secret in any log line: robot URLs carry keys and tokens, so logs say
``robot 12`` and the platform, never the address.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import aiohttp
from aiolimiter import AsyncLimiter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.big_screen import live_screen
from contest.models import Competition
from contest.outbox import OutboxMessage
from contest.robots import WebhookRobot
from i18n import t
from scheduler.delivery import dingtalk, feishu, wecom
from scheduler.delivery.outbound import Outbound, Verdict
from storage.ids import id_of
from storage.types import Clock, utcnow

logger = logging.getLogger(__name__)

PLATFORMS: dict[str, ModuleType] = {"wecom": wecom, "dingtalk": dingtalk, "feishu": feishu}
TIMEOUT = aiohttp.ClientTimeout(total=15)
PictureUrl = Callable[[int], str | None]


@dataclass(frozen=True)
class RobotAddress:
    robot_id: int
    platform: str
    url: str
    secret: str | None
    language: str
    title: str
    screen_url: str | None


class RobotSender:
    """Delivers robot rows; one per scheduler (its HTTP session and its rate buckets)."""

    def __init__(
        self,
        *,
        public_url: str | None = None,
        picture_url: PictureUrl | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.public_url = public_url
        self.picture_url = picture_url or (lambda _id: None)
        self.clock = clock
        self.http: aiohttp.ClientSession | None = None
        self.buckets: dict[int, AsyncLimiter] = {}

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()
            self.http = None

    def _bucket(self, robot: RobotAddress) -> AsyncLimiter:
        bucket = self.buckets.get(robot.robot_id)
        if bucket is None:
            per_minute = PLATFORMS[robot.platform].PER_MINUTE
            bucket = self.buckets[robot.robot_id] = AsyncLimiter(per_minute, 60)
        return bucket

    async def address(
        self, session_factory: async_sessionmaker[AsyncSession], message: OutboxMessage
    ) -> RobotAddress | None:
        """The robot a row goes to (None when it is gone or stopped), in one short read."""
        async with session_factory() as session:
            robot = await session.get(WebhookRobot, message.chat_id)
            if robot is None or not robot.active or robot.platform != message.channel:
                return None
            competition = await session.get(Competition, robot.competition_id)
            screen = await live_screen(
                session, competition_id=robot.competition_id, clock=self.clock
            )
            await session.commit()
        screen_url = f"{self.public_url}/screen/{screen.token}" if self.public_url else None
        return RobotAddress(
            robot_id=id_of(robot),
            platform=robot.platform,
            url=robot.url,
            secret=robot.secret,
            language=robot.language,
            title=competition.name if competition else "",
            screen_url=screen_url,
        )

    async def send(self, robot: RobotAddress, message: OutboxMessage) -> Verdict:
        """One row to one robot; the platform's verdict (or ``later`` when over our rate)."""
        bucket = self._bucket(robot)
        if not bucket.has_capacity():
            return Verdict.later(60 / PLATFORMS[robot.platform].PER_MINUTE, "over the robot's rate")
        await bucket.acquire()
        lang = robot.language
        out = Outbound(
            kind=message.kind,
            text=message.text,
            payload=message.payload,
            title=robot.title,
            screen_url=robot.screen_url,
            screen_label=t("web.robot.screen_link", lang),
            picture_url=self.picture_url(id_of(message)) if message.kind == "photo" else None,
            picture_label=t("web.robot.picture_link", lang),
        )
        module = PLATFORMS[robot.platform]
        now_ms = int(self.clock().timestamp() * 1000)
        verdict = Verdict.sent()
        for url, body in module.requests(robot.url, robot.secret, out, now_ms=now_ms):
            verdict = await self._post(module, url, body, robot)
            if verdict.status != "sent":
                break
        return verdict

    async def _post(self, module: ModuleType, url: str, body: Any, robot: RobotAddress) -> Verdict:
        if self.http is None:
            self.http = aiohttp.ClientSession(timeout=TIMEOUT)
        try:
            async with self.http.post(url, json=body) as response:
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = None
                verdict: Verdict = module.verdict(response.status, answer)
        except (aiohttp.ClientError, TimeoutError) as exc:
            verdict = Verdict.backoff(f"{robot.platform} network error: {type(exc).__name__}")
        if verdict.status != "sent":
            logger.info("robot %s (%s): %s", robot.robot_id, robot.platform, verdict.error)
        return verdict
