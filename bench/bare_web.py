"""The ceiling for bench/web.py: a bare aiohttp process that parses the JSON body of
``POST /api/answer`` and answers JSON — no session, no database. Same port settings as the
bot (WEBHOOK_HOST, WEBHOOK_PORT)."""

from __future__ import annotations

import asyncio
import os

from aiohttp import web


async def answer(request: web.Request) -> web.Response:
    await request.json()
    return web.json_response({"type": "step", "outcome": "scored"})


async def main() -> None:
    app = web.Application()
    app.router.add_post("/api/answer", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, os.environ["WEBHOOK_HOST"], int(os.environ["WEBHOOK_PORT"])).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
