"""The close, for workers (成绩通知): each participant's result, review and pictures.

At the close (after the play-off window, when there is one) every participant who can be
reached gets, in their own language and through the outbox (bulk, paced, exactly once per
dedup key): their final place, score, correct count and their team's place; the review
of their wrong answers with the right answer and 解析 (错题回顾) where the rules allow; a
certificate (荣誉证书) for the first ``results.certificates`` places and a participation
card (参与证明). Pictures are queued as their data and drawn by the sender just before
they go (``scheduler.outbox``, ``chat.app_outbox``), so a close with thousands of
participants queues quickly.

The same messages go to each enterprise app (钉钉, 飞书, 企业微信) a worker is linked on and
this deployment can send through (``Settings.app_senders``), to their private chat with it,
the result with a button that opens their result page signed in (their personal ``/h5/``
link). Every part has its own dedup key per (competition, channel, worker): once each.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from contest.app_groups import messenger_accounts, user_channel
from contest.attempts import expire_overdue
from contest.closed import results_ready_at
from contest.final import FinalResult, FinalResults, ReviewItem, final_results, settle
from contest.models import Competition
from contest.outbox import Buttons
from contest.rules import rules_of
from contest.score_text import score_text
from contest.signing import link_token
from i18n import t
from quizbank.models import OPTION_LETTERS, QuestionType
from scheduler.certificate import CertificateData
from scheduler.context import Apply, JobContext
from scheduler.jobs import Job
from scheduler.outbox import enqueue
from storage.ids import id_of

TEXT_LIMIT = 3900  # under Telegram's 4096, for the review's header line
PICTURES = ("certificate", "card")


def _duration(ms: int, lang: str) -> str:
    minutes, seconds = divmod(max(ms, 0) // 1000, 60)
    return t("quiz.duration", lang, m=minutes, s=f"{seconds:02d}")


def _place(rank: int, tied: bool, lang: str) -> str:
    return t("close.place_tied" if tied else "close.place_rank", lang, rank=rank)


def result_text(final: FinalResults, result: FinalResult, lang: str) -> str:
    """The participant's result: place (并列), score, correct count, time, team place."""
    place = _place(result.rank, result.tied, lang)
    lines = [
        t("close.title", lang, name=html.escape(final.name)),
        "",
        t("close.place", lang, place=place, total=result.participants),
        t("close.score", lang, score=score_text(result.score, lang, final.style)),
        t(
            "close.correct",
            lang,
            correct=result.correct_count,
            total=result.question_count,
            time=_duration(result.time_used_ms, lang),
        ),
    ]
    if result.team_label and result.team_rank is not None:
        team_place = _place(result.team_rank, result.team_tied, lang)
        lines.append(
            t(
                "close.team",
                lang,
                team=html.escape(result.team_label),
                place=team_place,
                total=result.team_total,
            )
        )
    elif result.team_label:
        lines.append(t("close.team_unranked", lang, team=html.escape(result.team_label)))
    if final.review_allowed:
        key = "close.review_follows" if result.review else "close.all_right"
        lines += ["", t(key, lang, n=len(result.review))]
    return "\n".join(lines)


def _choice_letters(positions: list[int]) -> str:
    return "".join(OPTION_LETTERS[i] for i in positions if 0 <= i < len(OPTION_LETTERS))


def answer_text(qtype: QuestionType, value: list[object] | None, lang: str) -> str:
    """An answer as the worker reads it: letters, 对/错, or the blanks' texts."""
    if value is None:
        return ""
    if qtype is QuestionType.TRUE_FALSE:
        return t("quiz.true" if value and value[0] else "quiz.false", lang)
    if qtype is QuestionType.BLANK:
        return "；".join(html.escape(str(v)) for v in value)
    return _choice_letters([int(v) for v in value if isinstance(v, int)])


def review_block(item: ReviewItem, lang: str) -> str:
    """One question of the review: as the worker saw it, their answer, the right one, 解析."""
    lines = [
        t(
            "close.review_item",
            lang,
            n=item.position + 1,
            type=t(f"quiz.type.{item.qtype.value}", lang),
        ),
        html.escape(item.stem),
    ]
    lines += [f"{OPTION_LETTERS[i]}. {html.escape(o)}" for i, o in enumerate(item.options)]
    if item.timeout:
        lines.append(t("close.yours_timeout", lang))
    else:
        verdict = t("close.partial" if item.credit > 0 else "close.wrong", lang)
        yours = answer_text(item.qtype, item.response, lang) or "—"
        lines.append(t("close.yours", lang, answer=yours, verdict=verdict))
    lines.append(t("quiz.correct_answer", lang, answer=answer_text(item.qtype, item.answer, lang)))
    if item.explanation:
        lines.append(t("quiz.explanation", lang, text=html.escape(item.explanation)))
    return "\n".join(lines)


def review_texts(
    final: FinalResults, result: FinalResult, lang: str, *, hint: str | None = None
) -> list[str]:
    """错题回顾 in as few messages as fit, never splitting a question; ``hint`` (how to
    practise them again) closes it, Telegram's /mistakes unless the channel says otherwise."""
    if not final.review_allowed or not result.review:
        return []
    header = t("close.review_title", lang, name=html.escape(final.name), n=len(result.review))
    chunks: list[str] = []
    current = header
    for item in result.review:
        block = review_block(item, lang)[:TEXT_LIMIT]
        if len(current) + 2 + len(block) > TEXT_LIMIT:
            chunks.append(current)
            current = block
        else:
            current = f"{current}\n\n{block}"
    chunks.append(current)
    hint = t("close.retry_hint", lang) if hint is None else hint
    if hint:
        chunks[-1] += "\n\n" + hint
    return chunks


def card_data(
    competition: Competition, final: FinalResults, result: FinalResult, lang: str
) -> CertificateData:
    rules = rules_of(competition)
    day = competition.ends_at.astimezone(ZoneInfo(competition.timezone)).date()
    return CertificateData(
        name=result.name,
        competition=competition.name,
        organiser=rules.results.organiser or t("close.organiser", lang),
        day=day,
        team=result.team_label,
        rank=result.rank,
        tied=result.tied,
        score=result.score,
        precision=final.style.precision,
        lang=lang,
    )


def card_payload(data: CertificateData) -> bytes:
    """A picture's data as the outbox stores it; drawn when it is sent."""
    return json.dumps(asdict(data) | {"day": data.day.isoformat()}, ensure_ascii=False).encode()


async def prepare_results(ctx: JobContext, job: Job, when: datetime) -> Apply | None:
    """Finish what the close left open, settle the teams, then read everyone's result."""
    async with ctx.session_factory.begin() as session:  # settled for all before the reads go on
        competition = await session.get(Competition, job.competition_id)
        if competition is None:
            return None
        competition_id = id_of(competition)
        await expire_overdue(session, clock=ctx.clock)
        await settle(session, competition_id=competition_id, clock=ctx.clock)
        final = await final_results(session, competition_id=competition_id)
        rules = rules_of(competition)
    if not rules.results.notify:
        return None
    prefix = job.key  # results:<competition id>
    senders = ctx.settings.app_senders

    async def apply(session: AsyncSession) -> str:
        queued = 0
        everyone = [r.worker_id for r in final.results]
        accounts = await messenger_accounts(session, worker_ids=everyone)
        for result in final.results:
            if result.telegram_id is not None:
                queued += 1
                chat = Recipient(int(result.telegram_id), "telegram", prefix, None)
                await _queue_one(session, ctx, competition, final, result, chat)
            # 钉钉 / 飞书 / 企业微信: each app the worker is linked on and we can send through,
            # once per channel (its own dedup keys), with a signed link to the web result.
            for platform in accounts.get(result.worker_id, []):
                if platform not in senders:
                    continue
                queued += 1
                link = results_link(ctx, competition, result)
                chat = Recipient(
                    result.worker_id, user_channel(platform), f"{prefix}:{platform}", link
                )
                await _queue_one(session, ctx, competition, final, result, chat)
        return f"queued:{queued}"

    return apply


@dataclass(frozen=True)
class Recipient:
    """Where one participant's close messages go: a Telegram chat, or their private chat
    with an enterprise app (``chat_id`` the worker), with the link its result note carries."""

    chat_id: int
    channel: str
    prefix: str  # of the dedup keys: one set per (competition, channel, worker)
    link: str | None


def results_link(ctx: JobContext, competition: Competition, result: FinalResult) -> str | None:
    """The worker's personal link (as the ``/h5/`` links are signed) that signs them in and
    opens their result page; None without a public address."""
    public = ctx.settings.web_public_url
    if not public:
        return None
    token = link_token(
        ctx.settings.web_key,
        worker_id=result.worker_id,
        competition_id=id_of(competition),
        ends_at=results_ready_at(competition),
    )
    return f"{public.rstrip('/')}/h5/{token}?to=results"


async def _queue_one(
    session: AsyncSession,
    ctx: JobContext,
    competition: Competition,
    final: FinalResults,
    result: FinalResult,
    to: Recipient,
) -> None:
    lang = result.language
    key = f"{to.prefix}:{result.worker_id}"
    rules = rules_of(competition)

    async def put(
        suffix: str,
        text: str,
        kind: str = "text",
        payload: bytes | None = None,
        buttons: Buttons | None = None,
    ) -> None:
        await enqueue(
            session,
            dedup_key=f"{key}:{suffix}",
            chat_id=to.chat_id,
            channel=to.channel,
            text=text,
            kind=kind,
            payload=payload,
            filename=f"{kind}.png" if kind in PICTURES else None,
            clock=ctx.clock,
            buttons=buttons,
        )

    # A button that opens the worker's result page, signed in (the apps' messages).
    label = t("close_note.open_results", lang)
    link = [[{"text": label, "url": to.link}]] if to.link else None
    await put("result", result_text(final, result, lang), buttons=link)
    # In an app's chat /mistakes means nothing: the 错题本 is on the result page it links to.
    hint = None if to.channel == "telegram" else ""
    if to.link and hint is not None:
        hint = t("close_note.retry_hint", lang)
    for i, review in enumerate(review_texts(final, result, lang, hint=hint)):
        await put(f"review:{i}", review)
    data = card_payload(card_data(competition, final, result, lang))
    caption = t("close.picture_caption", lang, name=html.escape(competition.name))
    if result.rank <= rules.results.certificates:
        await put("certificate", caption, "certificate", data)
    if rules.results.participation_cards:
        await put("card", caption, "card", data)
