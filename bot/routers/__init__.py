"""All routers, collected in one place; chat-type filters sit on the parent routers."""

from __future__ import annotations

from aiogram import F, Router

from bot.routers import (
    admin_access,
    admin_broadcast,
    admin_competitions,
    admin_definitions,
    admin_home,
    admin_pages,
    admin_people,
    admin_schedules,
    admin_teams,
    admin_upload,
    binding,
    fallback,
    group,
    live,
    menu,
    mistakes,
    playoff,
    profile,
    quiz,
    quiz_taps,
    results,
    schedules,
    setup,
    start,
    typed_menu,
    web_face,
)
from bot.routing import awaitable


def get_routers() -> list[Router]:
    """A fresh router tree in dispatch order: private features, group features, then the
    fallback. Built anew for every dispatcher (a router has one parent; a process makes one
    dispatcher, the test suite one per test)."""
    private = Router(name="private")
    private.message.filter(awaitable(F.chat.type == "private"))
    private.include_routers(
        *(
            routes.build()
            for routes in (
                profile.router,  # first: while a name is awaited, any command leaves the wait
                quiz_taps.router,  # then the crowd's taps, before the organisers' routers
                admin_home.router,  # an organiser's /start and /help, before the workers'
                admin_access.router,
                admin_upload.router,
                admin_competitions.router,
                admin_definitions.router,
                admin_schedules.router,
                admin_teams.router,
                admin_people.router,
                admin_broadcast.router,
                admin_pages.router,
                web_face.router,  # /screen, /bind_webhook, /web_links … (the web face)
                live.router,  # /live … (the live final's host panel) and /buzz (its players)
                schedules.router,
                setup.router,
                start.router,
                menu.router,
                quiz.router,
                mistakes.router,
                playoff.router,
                results.router,
                web_face.workers,  # /app: the quiz as a Mini App
                typed_menu.router,  # last: typed 排行榜 / 我的成绩 …, before the fallback
            )
        )
    )
    groups = Router(name="groups")
    groups.message.filter(awaitable(F.chat.type.in_({"group", "supergroup"})))
    groups.include_routers(binding.router.build(), group.router.build())
    return [private, groups, fallback.router.build()]
