"""``/healthz``, ``/readyz`` and ``/metrics`` on an aiohttp application.

In webhook mode they join the webhook's application (one port for everything); in polling
mode ``start_ops_server`` serves them alone on WEB_HOST:WEB_PORT.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from aiohttp import web

from ops.health import Readiness, run_checks
from ops.metrics import metrics_response

logger = logging.getLogger(__name__)

READINESS_KEY = web.AppKey("qualityquiz_readiness", Readiness)
Installer = Callable[[web.Application], object]  # adds routes to the application it is given


def add_ops_routes(app: web.Application, *, readiness: Readiness) -> None:
    """Register the three routes; ``readiness`` says what ``/readyz`` checks."""
    app[READINESS_KEY] = readiness
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)


async def healthz(request: web.Request) -> web.Response:
    """The process is alive and its event loop answers."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """200 when every check passes, else 503; the body says which check fails and why."""
    checks = await run_checks(request.app[READINESS_KEY])
    ready = all(c.ok for c in checks)
    body = {
        "ready": ready,
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
    return web.json_response(body, status=200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    payload, content_type = metrics_response()
    response = web.Response(body=payload)
    response.headers["Content-Type"] = content_type
    return response


async def start_ops_server(
    host: str, port: int, *, readiness: Readiness, installers: Sequence[Installer] = ()
) -> web.AppRunner | None:
    """Serve the ops routes (and what ``installers`` add: the web face) on one port; None
    (and a warning) when the port cannot be had."""
    app = web.Application()
    add_ops_routes(app, readiness=readiness)
    for install in installers:
        install(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        logger.warning(
            "health and metrics not served: cannot listen on %s:%s (%s); set WEB_PORT",
            host,
            port,
            exc.strerror or exc,
        )
        return None
    logger.info("health and metrics on http://%s:%s (/healthz /readyz /metrics)", host, port)
    return runner
