"""A worker's whole journey through the real bot process and the telegram-test-api emulator.

Register, join a team by deep link, answer a whole competition with inline buttons, toggles
and a typed answer (no reply needed), read the summary; then check what the database kept.
The restart test kills the bot with SIGKILL mid-quiz and carries on from the old message;
another worker misses a question and is told so when they come back.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from i18n import t
from tests.e2e import journey
from tests.e2e.bot_process import BotProcess
from tests.e2e.competition_data import (
    COMPETITION_NAME,
    QUICK_LIMIT_S,
    QUICK_NAME,
    CompetitionData,
)
from tests.e2e.journey import LANG, Shown, points_text
from tests.e2e.proxy import BotApiProxy
from tests.e2e.worker import SimulatedWorker, eventually

pytestmark = pytest.mark.e2e


def _rows(database: Path, sql: str, *args: object) -> list[sqlite3.Row]:
    with sqlite3.connect(database) as db:
        db.row_factory = sqlite3.Row
        return db.execute(sql, args).fetchall()


def _expected_score(answered: list[tuple[Shown, bool]]) -> float:
    return sum(shown.question.points for shown, correctly in answered if correctly)


def _check_database(
    database: Path,
    data: CompetitionData,
    worker: SimulatedWorker,
    answered: list[tuple[Shown, bool]],
) -> None:
    (person,) = _rows(database, "SELECT * FROM worker WHERE telegram_id = ?", worker.user["id"])
    # The 工号 typed was on no roster: never stored as theirs; they registered by name.
    assert person["real_name"] == "王小明" and person["employee_no"] is None
    (team,) = _rows(database, "SELECT id FROM team WHERE join_code = ?", data.join_code)
    assert person["team_id"] == team["id"]

    (attempt,) = _rows(database, "SELECT * FROM attempt WHERE worker_id = ?", person["id"])
    assert attempt["status"] == "finished"
    assert attempt["question_count"] == data.question_count
    rows = _rows(
        database,
        "SELECT * FROM attempt_question WHERE attempt_id = ? ORDER BY position",
        attempt["id"],
    )
    assert [r["status"] for r in rows] == ["answered"] * data.question_count
    right = [bool(correctly) for _, correctly in sorted(answered, key=lambda a: a[0].position)]
    assert [bool(r["correct"]) for r in rows] == right
    expected = _expected_score(answered)
    assert sum(r["score"] for r in rows) == pytest.approx(expected)
    assert attempt["score"] == pytest.approx(expected)
    assert attempt["correct_count"] == sum(right)

    (standing,) = _rows(
        database,
        "SELECT * FROM standing WHERE competition_id = ? AND worker_id = ?",
        data.competition_id,
        person["id"],
    )
    assert standing["score"] == pytest.approx(expected)
    assert standing["correct_count"] == sum(right)
    assert standing["team_id"] == team["id"]
    assert standing["attempt_id"] == attempt["id"]


async def _answer_from(
    worker: SimulatedWorker, data: CompetitionData, first: int, answered: list[tuple[Shown, bool]]
) -> None:
    """Answer questions ``first``..last; every true/false one deliberately wrong."""
    for position in range(first, data.question_count + 1):
        shown = await journey.current_question(worker, data, position)
        correctly = shown.question.kind != "判断"
        await journey.answer(worker, shown, correctly=correctly)
        answered.append((shown, correctly))


async def test_worker_registers_joins_by_deep_link_and_answers_a_whole_competition(
    bot_process: BotProcess,
    proxy: BotApiProxy,
    worker: SimulatedWorker,
    competition: CompetitionData,
    tmp_path: Path,
) -> None:
    await bot_process.start(proxy)
    await journey.register_by_deep_link(worker, competition.join_code)
    await journey.open_competition(worker, COMPETITION_NAME)

    answered: list[tuple[Shown, bool]] = []
    await _answer_from(worker, competition, 1, answered)
    kinds = sorted(shown.question.kind for shown, _ in answered)
    assert kinds == sorted(["单选", "单选", "多选", "判断", "填空"])

    result = await journey.summary(worker, COMPETITION_NAME)
    score = points_text(_expected_score(answered))
    assert t("quiz.summary.score", LANG, score=score) in result.text
    total = competition.question_count
    assert t("quiz.summary.correct", LANG, correct=total - 1, total=total) in result.text

    toasts = [a.get("text") for a in proxy.callback_answers()]
    assert t("quiz.toast.wrong", LANG) in toasts
    assert any(text and text.startswith("✅") for text in toasts)
    _check_database(tmp_path / "quiz.db", competition, worker, answered)
    assert proxy.unsupported == []


async def test_kill_9_mid_quiz_loses_no_answer_and_counts_none_twice(
    bot_process: BotProcess,
    proxy: BotApiProxy,
    worker: SimulatedWorker,
    competition: CompetitionData,
    tmp_path: Path,
) -> None:
    await bot_process.start(proxy)
    await journey.register_by_deep_link(worker, competition.join_code)
    await journey.open_competition(worker, COMPETITION_NAME)
    answered: list[tuple[Shown, bool]] = []
    first = await journey.current_question(worker, competition, 1)
    await journey.answer(worker, first, correctly=first.question.kind != "判断")
    answered.append((first, first.question.kind != "判断"))
    second = await journey.current_question(worker, competition, 2)

    await bot_process.kill()
    # While the bot is down the worker taps the old message twice (a double tap); the
    # updates wait at the Bot API and reach the restarted process.
    await _tap_twice_while_down(worker, second)
    await bot_process.start(proxy)

    if second.question.kind == "多选":
        await _answer_rest_of_multiple(worker, second)
    answered.append((second, True))
    await _answer_from(worker, competition, 3, answered)
    await journey.summary(worker, COMPETITION_NAME)

    closed = t("quiz.closed", LANG)
    if second.question.kind in {"单选", "判断"}:
        assert closed in proxy.toasts(), "the second tap of the double tap is refused"
    if first.message.buttons:  # a stale button from question 1, tapped after the end
        before = proxy.toasts().count(closed)
        await worker.tap(first.message, first.message.buttons[0].text)
        await eventually(
            lambda: proxy.toasts().count(closed) > before or None, what="the stale-button toast"
        )
    _check_database(tmp_path / "quiz.db", competition, worker, answered)


async def test_a_missed_question_is_explained_when_the_worker_comes_back(
    bot_process: BotProcess,
    proxy: BotApiProxy,
    worker: SimulatedWorker,
    competition: CompetitionData,
) -> None:
    await bot_process.start(proxy)
    await journey.register_by_deep_link(worker, competition.join_code)
    await journey.open_competition(worker, QUICK_NAME)
    first = await journey.current_question(worker, competition, 1)
    await asyncio.sleep(QUICK_LIMIT_S + 1)  # away from the phone: question 1 runs out

    mark = await worker.last_id()
    await worker.send("/continue")
    resumed = await worker.next_message(after=mark, contains=t("quiz.missed", LANG, n=1))
    shown_answer = t("quiz.true" if first.question.answer == "对" else "quiz.false", LANG)
    assert t("quiz.correct_answer", LANG, answer=shown_answer) in resumed.text  # rules: during
    second = await journey.current_question(worker, competition, 2)
    assert second.message.message_id == resumed.message_id

    await journey.answer(worker, second, correctly=True)
    result = await journey.summary(worker, QUICK_NAME)
    assert t("quiz.summary.correct", LANG, correct=1, total=2) in result.text


async def _tap_twice_while_down(worker: SimulatedWorker, shown: Shown) -> None:
    """The correct answer twice; for multiple choice one toggle (it is not idempotent)."""
    kind = shown.question.kind
    if kind == "单选":
        letter = shown.correct_letters()[0]
        await worker.tap(shown.message, letter)
        await worker.tap(shown.message, letter)
    elif kind == "判断":
        label = t(
            "quiz.button.true" if shown.question.answer == "对" else "quiz.button.false", LANG
        )
        await worker.tap(shown.message, label)
        await worker.tap(shown.message, label)
    elif kind == "填空":
        await worker.send(shown.question.blank_answer, reply_to=shown.message)
        await worker.send(shown.question.blank_answer, reply_to=shown.message)
    else:
        await worker.tap(shown.message, shown.correct_letters()[0])


async def _answer_rest_of_multiple(worker: SimulatedWorker, shown: Shown) -> None:
    """The toggle tapped while the bot was down shows once it is back; then the rest."""
    letters = shown.correct_letters()
    message = await journey.toggled(worker, shown.message, letters[0], on=True)
    for letter in letters[1:]:
        message = await journey.toggle(worker, message, letter, on=True)
    await worker.tap(message, t("quiz.button.submit", LANG))
