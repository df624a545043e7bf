"""The ceiling for bench/load.py: a bare aiogram webhook bot that answers and edits.

No database, no middlewares of ours, no limiter: a callback query is answered and the
tapped message is edited with a new keyboard, through aiogram's own SimpleRequestHandler.
Configured by the same environment as the real bot (BOT_TOKEN, TELEGRAM_API_SERVER,
WEBHOOK_HOST, WEBHOOK_PORT, WEBHOOK_SECRET, BENCH_WEBHOOK_URL).
"""

from __future__ import annotations

import asyncio
import itertools
import os

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

_counter = itertools.count(1)


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_SERVER"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session)
    dp = Dispatcher()

    @dp.callback_query(F.data)
    async def on_tap(query: CallbackQuery) -> None:
        n = next(_counter)
        await query.answer("✅")
        if query.message is not None:
            keyboard = InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text=f"{n}", callback_data=f"a:{n}:0:0")]]
            )
            await bot.edit_message_text(
                f"第 {n} 题",
                chat_id=query.message.chat.id,
                message_id=query.message.message_id,
                reply_markup=keyboard,
            )

    secret = os.environ["WEBHOOK_SECRET"]
    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(app, "/webhook")
    setup_application(app, dp, bot=bot)
    await bot.set_webhook(
        os.environ["BENCH_WEBHOOK_URL"], secret_token=secret, max_connections=100
    )  # as ours
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, os.environ["WEBHOOK_HOST"], int(os.environ["WEBHOOK_PORT"])).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
