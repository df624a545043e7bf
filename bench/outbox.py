"""Outbox delivery benchmark: 1,000 queued messages to 1,000 chats against a fake Bot API that
answers 429 when Telegram's limits are exceeded. Target: ≥ 95 % of 30 msg/s, zero 429s.

    python bench/outbox.py [--messages 1000] [--batch 200] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from bot.factory import create_bot
from config import load_settings
from scheduler.models import OutboxMessage, OutboxStatus
from scheduler.outbox import deliver_due, enqueue
from scheduler.runner import DELIVERY_BATCH
from storage.db import create_engine, create_session_factory
from tables import metadata
from tests.fakes.limited import LimitedTelegram


async def bench(messages: int, url: str, batch: int = DELIVERY_BATCH) -> dict[str, float]:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    factory = create_session_factory(engine)
    async with factory() as session:
        for i in range(messages):
            await enqueue(session, dedup_key=f"bench:{i}", chat_id=10_000 + i, text=f"第 {i} 条")
        await session.commit()
    api = LimitedTelegram()
    bot = create_bot(load_settings(_env_file=None, bot_token="42:BENCH"), session=api, bulk=True)
    started = time.monotonic()
    while True:
        report = await deliver_due(factory, bot, limit=batch)
        if report.handled == 0:
            break
    elapsed = time.monotonic() - started
    async with factory() as session:
        sent = await session.scalar(
            select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT)
        )
    await engine.dispose()
    first, last = api.accepted[0][0], api.accepted[-1][0]
    return {
        "messages": messages,
        "sent": float(sent or 0),
        "seconds": elapsed,
        "rate": len(api.accepted) / elapsed,
        "send_rate": (len(api.accepted) - 1) / (last - first),
        "rejected_429": len(api.rejected),
        "duplicates": len(api.accepted) - len(set(api.delivered())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database", default=None)
    parser.add_argument("--batch", type=int, default=DELIVERY_BATCH, help="rows per deliver_due")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        result = asyncio.run(bench(args.messages, url, args.batch))
    for key, value in result.items():
        print(f"{key:>14}: {value:.2f}")  # noqa: T201 - a benchmark reports on stdout


if __name__ == "__main__":
    main()
