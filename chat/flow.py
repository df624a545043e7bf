"""A worker's turn on a messenger (钉钉, 飞书): what they tapped or typed → one core call →
the cards to show. No platform here: each edge parses its event into an :class:`Incoming`
and renders the :class:`Reply` cards in its own format.

The calls are the ones the Telegram routers make (``contest.attempts``, ``contest.offers``,
``contest.mistakes``, ``contest.review``, ``contest.workers``), with the turn's receipt clock.
A question's clock starts when the platform accepted its card: the edge calls
:func:`delivered` after sending. Typed answers to a 填空题 are told apart from texts written
before the question appeared by the event's inbox number (``seq``): when its card was
accepted, the newest number stored is remembered as the question's
(:func:`contest.attempts.state.remember_message`), as Telegram's message ids are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from chat import cards, organiser
from chat.cards import Action, Button, Card, rows_of
from chat.notices import open_question_text, waiting_book_text
from chat.texts import (
    error_text,
    feedback_text,
    missed_text,
    offers_text,
    plain,
    profile_text,
    question_text,
    review_text,
    summary_text,
    tr,
)
from chat.turn import Turn
from contest import attempts
from contest.attempts.state import question_delivered, question_undelivered, remember_message
from contest.attempts.unfinished import open_question
from contest.errors import ContestError
from contest.mistakes import mistake_questions, waiting_for_close
from contest.models import AttemptKind
from contest.offers import competition_offers
from contest.quizview import QuestionView, Step, Summary
from contest.review import wrong_answers
from contest.workers import join_by_id, profile, set_language, team_choices
from quizbank.models import OPTION_LETTERS, QuestionType

MESSENGER_CHAT = 0
"""The chat id messenger attempts keep (their "message ids" are inbox numbers)."""

WORDS: dict[str, str] = {
    "菜单": "menu",
    "帮助": "menu",
    "menu": "menu",
    "help": "menu",
    "开始": "menu",
    "竞赛": "quiz",
    "参加竞赛": "quiz",
    "答题": "quiz",
    "quiz": "quiz",
    "练习": "practice",
    "每日一练": "practice",
    "practice": "practice",
    "继续": "continue",
    "continue": "continue",
    "我的": "me",
    "我的资料": "me",
    "me": "me",
    "错题本": "mistakes",
    "mistakes": "mistakes",
    "中文": "zh",
    "english": "en",
}


@dataclass(frozen=True)
class Incoming:
    """What the worker did: typed ``text`` or tapped ``action``; ``seq`` is the event's
    inbox number; ``greet`` when this event enrolled them (say welcome first)."""

    text: str = ""
    action: Action | None = None
    seq: int = 0
    greet: bool = False
    group: str | None = None  # said in this group (an @-mention)


@dataclass(frozen=True)
class Reply:
    """A card to show: in place of the tapped card (``edit``) or as a new one. ``view`` is the
    question it presents, whose clock starts when the platform accepts the card."""

    card: Card
    edit: bool = False
    view: QuestionView | None = None


async def handle(turn: Turn, incoming: Incoming) -> list[Reply]:
    """The replies to one event (inside the turn's transaction)."""
    replies = await _handle(turn, incoming)
    return await _greeted(turn, replies) if incoming.greet else replies


async def _handle(turn: Turn, incoming: Incoming) -> list[Reply]:
    action = incoming.action
    command = organiser.command_of(incoming.text) if action is None else None
    if command is not None:
        key = f"{turn.via}:{incoming.seq}"
        return [Reply(await organiser.run(turn, command, group=incoming.group, key=key))]
    if action is None:
        word = WORDS.get(incoming.text.strip().lstrip("/").lower())
        if word is not None:
            action = cards.menu(word)
        elif incoming.greet:
            return [Reply(menu_card(turn.lang))]
        else:
            return await _typed(turn, incoming)
    if action.kind == "menu":
        return await _menu_word(turn, action.word, incoming)
    return await _tapped(turn, action, incoming)


async def delivered(
    session: AsyncSession, replies: list[Reply], *, at: datetime, last_seq: int
) -> None:
    """The platform accepted these cards at ``at``, when ``last_seq`` was the newest event
    stored: the questions' clocks start then, and a text stored before is older than them
    (a 填空 answer typed before its question appeared is not taken for its answer)."""
    for reply in replies:
        if reply.view is None:
            continue
        if reply.view.fresh:
            await question_delivered(session, view=reply.view, at=at)
        await remember_message(
            session, attempt_id=reply.view.attempt_id, chat_id=MESSENGER_CHAT, message_id=last_seq
        )


async def undelivered(session: AsyncSession, replies: list[Reply]) -> None:
    """These cards never reached the worker: their questions' clocks have not started."""
    for reply in replies:
        if reply.view is not None:
            await question_undelivered(session, view=reply.view)


# --- typed and tapped ---------------------------------------------------------------------


async def _typed(turn: Turn, incoming: Incoming) -> list[Reply]:
    step = await attempts.answer_blank(
        turn.session,
        worker_id=turn.my_id,
        chat_id=MESSENGER_CHAT,
        message_id=incoming.seq,
        text=incoming.text,
        clock=turn.clock,
        tz=turn.tz,
    )
    if step is None:  # nothing to answer: the menu
        return [Reply(menu_card(turn.lang, note=tr("messenger.not_understood", turn.lang)))]
    return await _step(turn, step, incoming, tapped=False)


async def _menu_word(turn: Turn, word: str, incoming: Incoming) -> list[Reply]:
    lang, session = turn.lang, turn.session
    if word in ("zh", "en"):
        await set_language(session, worker=turn.me, language=word)
        turn.lang = word
        return [Reply(menu_card(word, note=tr("start.language_set", word)))]
    if word == "quiz":
        offers = await competition_offers(session, worker_id=turn.my_id, clock=turn.clock)
        if not offers:
            notes = (await _open_note(turn), tr("quiz.no_competition", lang))
            return [Reply(menu_card(lang, note="\n\n".join(n for n in notes if n)))]
        buttons = [Button(o.name[:30], Action("start", ref=o.id), primary=True) for o in offers]
        text = "\n\n".join(p for p in (await _open_note(turn), offers_text(offers, lang)) if p)
        return [Reply(Card(tr("menu.button.quiz", lang), text, rows_of(buttons, 1)))]
    if word == "practice":
        item = await attempts.start_practice(session, worker=turn.me, clock=turn.clock, tz=turn.tz)
        return [await _show(turn, item, incoming)]
    if word == "mistakes":
        book = await mistake_questions(session, worker_id=turn.my_id)
        waiting = waiting_book_text(await waiting_for_close(session, worker_id=turn.my_id), lang)
        try:
            item = await attempts.start_practice(
                session, worker=turn.me, clock=turn.clock, tz=turn.tz, mistakes=True
            )
        except ContestError as error:  # an empty book mid-contest: say when it fills
            if error.code != "no_mistakes" or waiting is None:
                raise
            return [Reply(menu_card(lang, note=f"{error_text(error, lang)}\n\n{plain(waiting)}"))]
        note = tr("mistakes.started", lang, n=len(book), round=min(len(book), attempts.ROUND))
        note = "\n".join(p for p in (note, waiting and plain(waiting)) if p)
        return [await _show(turn, item, incoming, note=note)]
    if word == "continue":
        found = await attempts.resume(session, worker_id=turn.my_id, clock=turn.clock, tz=turn.tz)
        if found is None:
            return [Reply(menu_card(lang, note=tr("quiz.no_active", lang)))]
        return [await _show(turn, found, incoming)]
    if word == "me":
        me = await profile(session, worker=turn.me, clock=turn.clock)
        other = "en" if me.language == "zh" else "zh"
        button = Button(tr(f"profile.languages.{other}", lang), cards.menu(other))
        return [Reply(Card(tr("messenger.title.me", lang), profile_text(me, lang), ((button,),)))]
    return [Reply(menu_card(lang, note=await _open_note(turn)))]


async def _open_note(turn: Turn) -> str | None:
    """The question left open, said above the menu (its 继续 button goes back to it)."""
    found = await open_question(turn.session, worker_id=turn.my_id, clock=turn.clock, tz=turn.tz)
    return None if found is None else plain(open_question_text(found, turn.lang, now=turn.clock()))


async def _tapped(turn: Turn, action: Action, incoming: Incoming) -> list[Reply]:
    session, ref = turn.session, action.ref
    clock, tz, me = turn.clock, turn.tz, turn.my_id
    if action.kind == "start":
        item = await attempts.start_competition(
            session, worker=turn.me, competition_id=ref, clock=clock, tz=tz
        )
        return [await _show(turn, item, incoming, edit=True)]
    if action.kind == "next":
        item = await attempts.show_current(
            session, worker_id=me, attempt_id=ref, clock=clock, tz=tz
        )
        return [await _show(turn, item, incoming, edit=True)]
    if action.kind == "team":
        joined = await join_by_id(session, worker=turn.me, team_id=ref, clock=clock)
        note = tr("start.joined", turn.lang, team=" / ".join(joined.path))
        return [Reply(menu_card(turn.lang, note=note), edit=True)]
    if action.kind == "review":
        items = await wrong_answers(session, worker_id=me, attempt_id=ref, clock=clock)
        return [Reply(Card(tr("messenger.title.review", turn.lang), review_text(items, turn.lang)))]
    if action.kind == "toggle":
        result = await attempts.toggle_option(
            session,
            worker_id=me,
            attempt_id=ref,
            position=action.position,
            selection=_positions(action.value),
            clock=clock,
            tz=tz,
        )
        if isinstance(result, QuestionView):
            return [await _show(turn, result, incoming, edit=True)]
        return await _step(turn, result, incoming, tapped=True)
    response = action.value if action.kind == "answer" else _positions(action.value)
    step = await attempts.answer(
        session,
        worker_id=me,
        attempt_id=ref,
        position=action.position,
        response=response,
        clock=clock,
        tz=tz,
    )
    return await _step(turn, step, incoming, tapped=True)


def _positions(mask: int) -> list[int]:
    return [p for p in range(cards.MAX_OPTIONS) if mask >> p & 1]


# --- showing ------------------------------------------------------------------------------


async def _step(turn: Turn, step: Step, incoming: Incoming, *, tapped: bool) -> list[Reply]:
    """The outcome of an answer: the next question, the answer and 下一题, or the summary."""
    lang = turn.lang
    if step.outcome == "empty":
        return [Reply(Card(tr("messenger.title.quiz", lang), tr("quiz.empty_selection", lang)))]
    if step.outcome == "closed" or step.feedback is None:
        current = step.next or step.summary
        note = tr("quiz.closed" if tapped else "quiz.text_not_counted", lang)
        if current is None:
            return [Reply(Card(tr("messenger.title.quiz", lang), note))]
        return [await _show(turn, current, incoming, edit=tapped, note=note)]
    if step.summary is not None:
        note = feedback_text(step.feedback, lang, full=True)
        return [await _show(turn, step.summary, incoming, edit=tapped, note=note)]
    if step.paused or step.next is None:
        text = feedback_text(step.feedback, lang, full=True)
        button = Button(tr("quiz.button.next", lang), Action("next", ref=step.attempt_id or 0))
        return [Reply(Card(tr("messenger.title.quiz", lang), text, ((button,),)), edit=tapped)]
    note = feedback_text(step.feedback, lang, full=False)
    return [await _show(turn, step.next, incoming, edit=tapped, note=note)]


async def _show(
    turn: Turn,
    item: QuestionView | Summary,
    incoming: Incoming,
    *,
    edit: bool = False,
    note: str | None = None,
) -> Reply:
    """A question card (remembered as the attempt's latest message) or a summary card."""
    lang = turn.lang
    note = "\n\n".join(p for p in (note, missed_text(item.missed, lang)) if p) or None
    if isinstance(item, Summary):
        text = "\n\n".join(p for p in (note, summary_text(item, lang)) if p)
        return Reply(Card(tr("messenger.title.result", lang), text, _after(turn, item)), edit=edit)
    text = question_text(item, lang, now=turn.wall(), note=note)
    title = item.title or tr("quiz.summary.practice_title", lang).lstrip("🏁 ")
    return Reply(Card(title, text, question_rows(item, lang)), edit=edit, view=item)


def _after(turn: Turn, summary: Summary) -> tuple[tuple[Button, ...], ...]:
    lang = turn.lang
    buttons = [Button(tr("quiz.button.menu", lang), cards.menu("menu"))]
    if summary.kind == AttemptKind.PRACTICE:
        buttons.insert(0, Button(tr("quiz.button.again", lang), cards.menu("practice"), True))
    else:  # before the close (or where the rules never show answers) the tap says why
        review = Action("review", ref=summary.attempt_id)
        buttons.insert(0, Button(tr("messenger.button.review", lang), review, True))
    return (tuple(buttons),)


def question_rows(view: QuestionView, lang: str) -> tuple[tuple[Button, ...], ...]:
    """Letters for single choice, 对/错 for true/false, ticks and 提交 for multiple choice;
    none for a 填空题 (typed)."""
    a, p = view.attempt_id, view.position
    if view.qtype is QuestionType.SINGLE:
        letters = [
            Button(OPTION_LETTERS[i], cards.answer(a, p, i)) for i in range(len(view.options))
        ]
        return rows_of(letters, 4)
    if view.qtype is QuestionType.TRUE_FALSE:
        return (
            (
                Button(tr("quiz.button.true", lang), cards.answer(a, p, 1)),
                Button(tr("quiz.button.false", lang), cards.answer(a, p, 0)),
            ),
        )
    if view.qtype is QuestionType.MULTIPLE:
        ticked = sum(1 << i for i in set(view.selection))
        ticks = [
            Button(
                ("✅ " if i in view.selection else "") + OPTION_LETTERS[i],
                cards.toggle(a, p, ticked ^ (1 << i)),
            )
            for i in range(len(view.options))
        ]
        submit = Button(tr("quiz.button.submit", lang), cards.submit(a, p, ticked), primary=True)
        return (*rows_of(ticks, 4), (submit,))
    return ()


def menu_card(lang: str, *, note: str | None = None) -> Card:
    buttons = [
        Button(tr("menu.button.quiz", lang), cards.menu("quiz"), primary=True),
        Button(tr("menu.button.practice", lang), cards.menu("practice")),
        Button(tr("messenger.button.continue", lang), cards.menu("continue")),
        Button(tr("messenger.button.mistakes", lang), cards.menu("mistakes")),
        Button(tr("messenger.button.me", lang), cards.menu("me")),
    ]
    text = "\n\n".join(p for p in (note, tr("messenger.menu", lang)) if p)
    return Card(tr("messenger.title.menu", lang), text, rows_of(buttons, 2))


async def _greeted(turn: Turn, replies: list[Reply]) -> list[Reply]:
    """First contact: who the directory says they are (待确认 if so) above the first card;
    a worker the roster puts in no team gets the choice of team on a card of its own."""
    lang, me = turn.lang, turn.me
    lines = [tr("start.registered", lang, name=me.real_name)]
    if me.pending:
        lines.append(tr("start.match.pending", lang))
    choices = [] if me.team_id is not None else await team_choices(turn.session)
    if not choices and replies:
        first = replies[0]
        card = Card(first.card.title, "\n".join([*lines, "", first.card.text]), first.card.rows)
        return [Reply(card, first.edit, first.view), *replies[1:]]
    if not choices:
        return [Reply(Card(tr("messenger.title.welcome", lang), "\n".join(lines)))]
    lines.append(tr("start.choose_team", lang))
    buttons = [Button(" / ".join(c.path)[:30], Action("team", ref=c.team_id)) for c in choices]
    welcome = Card(tr("messenger.title.welcome", lang), "\n".join(lines), rows_of(buttons, 1))
    return [Reply(welcome), *replies]
