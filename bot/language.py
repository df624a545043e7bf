"""The language each user chose, remembered for replies made when their row cannot be read.

When the database is overloaded (no connection free) the worker middleware cannot load the
worker, and the error reply would fall back to Telegram's ``language_code``, which is not
always the language the worker chose with /language. This bounded, per-process memory of
recent choices is only that fallback: the database stays the source of truth.
"""

from __future__ import annotations

from collections import OrderedDict

from aiogram.types import User

from i18n import normalize_lang

_REMEMBERED: OrderedDict[int, str] = OrderedDict()
_MEMORY = 50_000


def remember(user_id: int, lang: str) -> None:
    _REMEMBERED[user_id] = lang
    _REMEMBERED.move_to_end(user_id)
    if len(_REMEMBERED) > _MEMORY:
        _REMEMBERED.popitem(last=False)


def language_of(user: User | None, lang: str | None) -> str:
    """The language to answer in: the handler's ``lang``, else the user's last known choice,
    else their Telegram language."""
    if lang:
        return lang
    if user is not None and user.id in _REMEMBERED:
        return _REMEMBERED[user.id]
    return normalize_lang(user.language_code if user else None)
