"""Feature routers built afresh for every dispatcher, through aiogram's public API only.

aiogram's idiom is a module-level ``Router`` with decorated handlers. A router can have one
parent, though, and aiogram offers no public way to detach it, so a second dispatcher in the
same process (the test suite makes one per test) could not include it again. A feature module
declares a :class:`Routes` instead, with the same decorators (``@router.message(...)``,
``router.callback_query.filter(...)``, ``router.message.middleware(...)``);
:meth:`Routes.build` makes a new ``Router`` from what they recorded, in the same order.

Every filter is registered awaitable (:func:`awaitable`): aiogram runs a plain callable
filter — a magic ``F`` expression, a ``State`` — in a worker thread (``asyncio.to_thread``),
a thread hop for every filter an update is checked against, measured at a visible share of
a tap's CPU. The same check runs on the loop instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiogram import BaseMiddleware, Router
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import TelegramObject
from magic_filter import MagicFilter

Callback = TypeVar("Callback", bound=Callable[..., Any])


class MagicCheck(Filter):
    """A magic ``F`` expression checked on the loop (aiogram would send it to a thread)."""

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    def __str__(self) -> str:
        return f"MagicCheck({self.magic!r})"

    async def __call__(self, event: TelegramObject) -> Any:
        return self.magic.resolve(event)


def awaitable(check: Any) -> Any:
    """``check`` as a filter aiogram awaits on the loop (an ``F`` expression, a state)."""
    if isinstance(check, MagicFilter):
        return MagicCheck(check)
    states = State | StatesGroup
    if isinstance(check, states) or (isinstance(check, type) and issubclass(check, StatesGroup)):
        return StateFilter(check)
    return check


@dataclass
class Observer:
    """What a module says about one kind of update: handlers, router-wide filters and
    inner middlewares, kept until a router is built."""

    kind: str
    handlers: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = field(
        default_factory=list
    )
    filters: list[Any] = field(default_factory=list)
    middlewares: list[BaseMiddleware] = field(default_factory=list)

    def __call__(self, *filters: Any, **kwargs: Any) -> Callable[[Callback], Callback]:
        """The decorator: ``@router.message(Command("start"))``."""

        def register(callback: Callback) -> Callback:
            self.handlers.append((callback, filters, kwargs))
            return callback

        return register

    def filter(self, *filters: Any) -> None:
        """Filters every handler of this kind in the router must pass."""
        self.filters.extend(filters)

    def middleware(self, middleware: BaseMiddleware) -> BaseMiddleware:
        self.middlewares.append(middleware)
        return middleware

    def apply(self, observer: TelegramEventObserver) -> None:
        if self.filters:
            observer.filter(*map(awaitable, self.filters))
        for middleware in self.middlewares:
            observer.middleware(middleware)
        for callback, filters, kwargs in self.handlers:
            observer.register(callback, *map(awaitable, filters), **kwargs)


class Routes:
    """A feature's handlers, recorded at import; :meth:`build` gives a fresh ``Router``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.message = Observer("message")
        self.edited_message = Observer("edited_message")
        self.callback_query = Observer("callback_query")
        self.my_chat_member = Observer("my_chat_member")
        self.children: list[Routes] = []

    def include(self, routes: Routes) -> Routes:
        """A sub-feature whose router is built under this one."""
        self.children.append(routes)
        return routes

    def build(self) -> Router:
        router = Router(name=self.name)
        kinds = (self.message, self.edited_message, self.callback_query, self.my_chat_member)
        for observer in kinds:
            observer.apply(router.observers[observer.kind])
        for child in self.children:
            router.include_router(child.build())
        return router
