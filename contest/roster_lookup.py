"""Finding a roster entry (花名册) from what a person typed: 工号 or name, as people type them.

A 工号 is compared after NFKC (full-width ＱＡ１２ → QA12), without spaces, and without
regard to case (q10003 finds Q10003). A name typed where the 工号 was asked for, or at the
name prompt without a team link, finds the one unclaimed roster entry of that name when it is
unique. A 工号 on no roster is never taken as the worker's: ``employee_no_unknown`` says what
was read and, when a roster 工号 differs by one keystroke, which one was probably meant.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.models import Worker
from contest.names import visible_text

NEAR_SHOWN = 3  # 工号 suggested at most: enough to spot a slip, too few to browse the roster


def normalize_employee_no(text: str) -> str:
    """A 工号 as stored: NFKC (full-width → half-width), no whitespace anywhere."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def name_key(text: str) -> str:
    """A name as compared: visible characters, no spaces (王 伟 is 王伟), case folded."""
    return "".join(visible_text(text).split()).casefold()


async def roster_exists(session: AsyncSession) -> bool:
    """Whether an organiser has uploaded a roster (花名册)."""
    return bool(await session.scalar(select(exists().where(col(Worker.on_roster).is_(True)))))


async def by_employee_no(session: AsyncSession, *, typed: str) -> Worker | None:
    """The worker holding this 工号: exactly as stored first (the index), then ignoring case."""
    number = normalize_employee_no(typed)
    if not number:
        return None
    found = await session.scalar(select(Worker).where(col(Worker.employee_no) == number))
    if found is not None:
        return found
    rows = await session.execute(
        select(Worker).where(func.upper(col(Worker.employee_no)) == number.upper()).limit(2)
    )
    matches = list(rows.scalars())
    return matches[0] if len(matches) == 1 else None


async def by_unique_name(session: AsyncSession, *, typed: str, telegram_id: int) -> Worker | None:
    """The one roster entry with this name not claimed by another account (None when there is
    none, or several: then a name alone cannot say who is who)."""
    key = name_key(typed)
    if not key:
        return None
    stored = func.lower(func.replace(col(Worker.real_name), " ", ""))
    rows = await session.execute(
        select(Worker).where(col(Worker.on_roster).is_(True), stored == key).limit(3)
    )
    matches = [w for w in rows.scalars() if name_key(w.real_name) == key]
    if len(matches) != 1 or matches[0].telegram_id not in (None, telegram_id):
        return None
    return matches[0]


async def roster_entry(session: AsyncSession, *, typed: str, telegram_id: int) -> Worker | None:
    """The roster entry a person means by what they typed at the 工号 prompt: their 工号
    (any width or case), or their name when it is unique on the roster."""
    found = await by_employee_no(session, typed=typed)
    if found is not None:
        return found
    if any(ch.isdigit() for ch in typed):
        return None
    return await by_unique_name(session, typed=typed, telegram_id=telegram_id)


async def unknown_employee_no(session: AsyncSession, *, typed: str) -> ContestError:
    """The refusal for a 工号 on no roster, naming the 工号 one slip away when there are any."""
    number = normalize_employee_no(typed)
    near = await _near(session, number)
    if near:
        return ContestError("employee_no_unknown_near", employee_no=number, near="、".join(near))
    return ContestError("employee_no_unknown", employee_no=number)


async def _near(session: AsyncSession, number: str) -> list[str]:
    """Unclaimed roster 工号 one edit away (a wrong, missing, extra or swapped character)."""
    if not number:
        return []
    rows = await session.execute(
        select(col(Worker.employee_no)).where(
            col(Worker.on_roster).is_(True),
            col(Worker.telegram_id).is_(None),
            col(Worker.employee_no).is_not(None),
            func.length(col(Worker.employee_no)).between(len(number) - 1, len(number) + 1),
        )
    )
    typed = number.upper()
    near = sorted(n for n in rows.scalars() if n and _one_edit(typed, n.upper()))
    return near[:NEAR_SHOWN]


def _one_edit(a: str, b: str) -> bool:
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
        return len(diff) == 1 or (swapped and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if len(long) - len(short) != 1:
        return False
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
