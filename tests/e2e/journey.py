"""What a worker does, step by step, reading only what the chat shows.

The worker knows the answers (the demo bank is their answer sheet) and finds each question by
its stem, each option by its text: the bot shuffles both. Labels and prompts come from the
zh catalogue, so the script follows the bot's wording instead of copying it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from i18n import t
from tests.e2e.competition_data import TEAM_PATH, BankQuestion, CompetitionData
from tests.e2e.worker import BotMessage, SimulatedWorker

LANG = "zh"
HEADER = re.compile(r"第 (\d+)/(\d+) 题")
OPTION_LINE = re.compile(r"^(?:✅ )?([A-H])\. (.*)$", re.MULTILINE)
KIND_OF_TYPE = {"single": "单选", "multiple": "多选", "true_false": "判断", "blank": "填空"}


def points_text(value: float) -> str:
    """How the bot writes points: 2.0 → "2", 1.5 → "1.5"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Shown:
    """A question as the chat shows it: its message, position, and the bank question."""

    message: BotMessage
    position: int  # 1-based, as in the header
    total: int
    question: BankQuestion

    @property
    def letters(self) -> dict[str, str]:
        """Option text → the letter it is shown under (after shuffling)."""
        text = html.unescape(self.message.text)
        return {option: letter for letter, option in OPTION_LINE.findall(text)}

    def correct_letters(self) -> list[str]:
        return sorted(self.letters[option] for option in self.question.correct_options)

    def wrong_letters(self) -> list[str]:
        right = set(self.correct_letters())
        return sorted(set(self.letters.values()) - right)


async def register_by_deep_link(worker: SimulatedWorker, join_code: str) -> None:
    """/start <join code> → 工号 → 实名 → registered, in the team of the code."""
    mark = await worker.last_id()
    await worker.send(f"/start {join_code}")
    prompt = await worker.next_message(after=mark, contains=t("start.ask_employee_no", LANG))
    mark = await worker.last_id()
    await worker.send("A2001")  # not on the roster: said so, never taken as the 工号
    unknown = t("quiz.error.employee_no_unknown", LANG, employee_no="A2001")
    await worker.next_message(after=mark, contains=unknown.split("。")[0])
    await worker.tap(prompt, t("start.button.skip", LANG))  # register by name instead
    asked = await worker.changed(prompt)
    assert t("start.ask_name", LANG) in asked.text
    mark = await worker.last_id()
    await worker.send("王小明")
    joined = t("start.joined", LANG, team=" / ".join(TEAM_PATH))
    await worker.next_message(after=mark, contains=joined)


async def open_competition(worker: SimulatedWorker, name: str) -> None:
    """/quiz, then tap the competition; its first question appears."""
    mark = await worker.last_id()
    await worker.send("/quiz")
    listing = await worker.wait_for(
        lambda ms: next(
            (m for m in ms if m.message_id > mark and any(b.text == name for b in m.buttons)),
            None,
        ),
        what=f"the competition list with {name!r}",
    )
    await worker.tap(listing, name)


async def current_question(worker: SimulatedWorker, data: CompetitionData, position: int) -> Shown:
    """Wait until question ``position`` is shown with its buttons or reply prompt."""

    def check(messages: list[BotMessage]) -> Shown | None:
        for message in reversed(messages):
            match = HEADER.search(message.text)
            if match and int(match[1]) == position and (message.buttons or message.force_reply):
                return Shown(message, position, int(match[2]), _identify(message, data))
        return None

    return await worker.wait_for(check, what=f"question {position}")


def _identify(message: BotMessage, data: CompetitionData) -> BankQuestion:
    text = html.unescape(message.text)
    found = [q for q in data.bank if q.stem in text]
    if not found:
        raise AssertionError(f"no bank question in {message.describe()}")
    return max(found, key=lambda q: len(q.stem))


async def answer(worker: SimulatedWorker, shown: Shown, *, correctly: bool) -> None:
    """Answer the question shown, right or wrong, the way a thumb would."""
    question = shown.question
    if question.kind == "单选":
        letters = shown.correct_letters() if correctly else shown.wrong_letters()
        await worker.tap(shown.message, letters[0])
    elif question.kind == "判断":
        true = question.answer == "对"
        label = "quiz.button.true" if true == correctly else "quiz.button.false"
        await worker.tap(shown.message, t(label, LANG))
    elif question.kind == "多选":
        await _answer_multiple(worker, shown, correctly=correctly)
    elif question.kind == "填空":
        assert shown.message.force_reply, "a blank question opens the keyboard for the answer"
        typed = question.blank_answer if correctly else "不知道"
        await worker.send(typed)  # typed and sent, without long-pressing 回复
    else:
        raise AssertionError(f"unknown question type {question.kind}")


async def _answer_multiple(worker: SimulatedWorker, shown: Shown, *, correctly: bool) -> None:
    """Toggle a wrong option on and off again, toggle the right ones, then 提交."""
    message = shown.message
    wrong = shown.wrong_letters()[0]
    message = await toggle(worker, message, wrong, on=True)
    message = await toggle(worker, message, wrong, on=False)
    chosen = shown.correct_letters() if correctly else [wrong]
    for letter in chosen:
        message = await toggle(worker, message, letter, on=True)
    await worker.tap(message, t("quiz.button.submit", LANG))


async def toggle(
    worker: SimulatedWorker, message: BotMessage, letter: str, *, on: bool
) -> BotMessage:
    """Tap option ``letter`` and wait for its ✅ to appear (or go)."""
    await worker.tap(message, letter)
    return await toggled(worker, message, letter, on=on)


async def toggled(
    worker: SimulatedWorker, message: BotMessage, letter: str, *, on: bool
) -> BotMessage:
    """``message`` once option ``letter`` shows as selected (or not)."""
    want = f"✅ {letter}" if on else letter

    def check(messages: list[BotMessage]) -> BotMessage | None:
        now = next((m for m in messages if m.message_id == message.message_id), None)
        if now is not None and any(b.text == want for b in now.buttons):
            return now
        return None

    return await worker.wait_for(check, what=f"option {letter} toggled {'on' if on else 'off'}")


async def summary(worker: SimulatedWorker, competition_name: str) -> BotMessage:
    title = t("quiz.summary.title", LANG, name=competition_name)
    return await worker.wait_for(
        lambda ms: next((m for m in reversed(ms) if title in m.text), None),
        what="the summary",
    )
