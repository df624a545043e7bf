"""The web face, in the bot's process on the bot's aiohttp server: the big screen (SSE), the
quiz in a browser (Telegram Mini App and personal H5 links), static files of our own.

``add_web_routes`` mounts it on an application that may serve other things too (the
webhook, /healthz): its middlewares act only on its own paths.
"""

from __future__ import annotations

from web.app import add_web_routes

__all__ = ["add_web_routes"]
