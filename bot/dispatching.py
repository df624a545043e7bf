"""Calling a handler-like function with just the arguments it names (as aiogram does)."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any


async def call_with(function: Callable[..., Awaitable[Any]], **available: Any) -> Any:
    """``function(**available)``, leaving out what it does not take."""
    wanted = inspect.signature(function).parameters
    return await function(**{name: value for name, value in available.items() if name in wanted})
