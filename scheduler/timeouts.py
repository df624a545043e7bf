"""At a question's deadline the chat says so: ⏰ 时间到 in place of the question, 下一题 under it.

Every pass of the scheduler closes the questions whose time ran out in Telegram chats
(:func:`contest.attempts.deadlines.time_out_due`) and, in the same transaction, queues one
outbox edit per question, so a restart loses no due edit and none goes twice (the dedup key
is the attempt and position). The outbox sends edits through the bulk bot: they take the
bot-wide budget behind every reply (:mod:`bot.pacing`), so a crowd's deadlines falling due
together never starve the replies to workers who are answering. An edit whose chat moved on
before it left (the worker tapped the old buttons and saw the next question) is skipped.
"""

from __future__ import annotations

import html
import logging

from contest.attempts.deadlines import TimedOut, time_out_due
from contest.outbox import buttons_payload, enqueue
from i18n import t
from scheduler.context import JobContext
from scheduler.results import answer_text

logger = logging.getLogger(__name__)

BATCH = 500  # questions closed per pass; the rest follow on the next pass, seconds later
NEXT_CALLBACK = "n:{attempt_id}"
"""The 下一题 button's callback data: ``bot.callbacks.NextCb(a=attempt_id).pack()`` (the
scheduler knows no bot; a test holds the two together)."""


def timeout_text(item: TimedOut) -> str:
    """The question's message once its time is up: which question, and the right answer
    and 解析 only where the rules show answers during the competition."""
    lang = item.language
    lines = [f"<b>{html.escape(item.title)}</b>"] if item.title else []
    lines.append(t("workerchat.timeout.title", lang, n=item.position + 1, total=item.total))
    feedback = item.feedback
    if feedback is not None and feedback.answer is not None:
        answer = answer_text(feedback.qtype, feedback.answer, lang)
        lines.append(t("quiz.correct_answer", lang, answer=answer))
    if feedback is not None and feedback.explanation:
        lines.append(t("quiz.explanation", lang, text=html.escape(feedback.explanation)))
    return "\n".join(lines)


async def queue_timeouts(ctx: JobContext) -> int:
    """Close the due questions and queue their edits (one transaction); how many."""
    async with ctx.session_factory() as session:
        waiting = await ctx.waiting_since(session) if ctx.waiting_since else None
        due = await time_out_due(session, clock=ctx.clock, limit=BATCH, waiting_since=waiting)
        for item in due:
            key = "workerchat.timeout.button_summary" if item.finished else "quiz.button.next"
            button = {
                "text": t(key, item.language),
                "callback": NEXT_CALLBACK.format(attempt_id=item.attempt_id),
            }
            payload = buttons_payload(
                [[button]],
                message_id=item.message_id,
                attempt_id=item.attempt_id,
                position=item.position,
            )
            await enqueue(
                session,
                dedup_key=f"timeout:{item.attempt_id}:{item.position}",
                chat_id=item.chat_id,
                kind="edit",
                text=timeout_text(item),
                payload=payload,
                clock=ctx.clock,
            )
        await session.commit()
    if due:
        logger.info("%d questions timed out; their edits are queued", len(due))
    return len(due)
