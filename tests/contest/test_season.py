"""A season computed by hand: roster with a repeated 班组 name, registration by 工号 and by
name, a 待确认 duplicate merged by the organiser, equal-total random papers, ties at the
top, every team mode. Ranks, team places, /stats, the group text, the picture's data and the
export must all say what the hand computation says.

The plant (roster, 部门 生产部):
  一车间·甲班  王芳 E01, 李强 E02, 陈静 E03
  乙班        赵磊 E04, 孙丽 E05            (+ 郑浩, not on the roster: 待确认)
  二车间·甲班  周杰 E06, 吴敏 E07

The paper: 4 单选 from a bank of 1- and 2-point singles (pinned to 2 × 1 + 2 × 2), 1 多选
(2, 少选得一半), 1 判断 (1), 1 填空 (2): every paper is worth 11.

  王芳  all right, 5 s each                         11  35 s  09:00:35
  周杰  all right, 5 s each, same start             11  35 s  09:00:35   → 并列 1 with 王芳
  李强  all right, 6 s each                         11  42 s             → 3
  陈静  (as a duplicate, then merged) 多选 partial,  9                     → 4
        判断 wrong
  赵磊  one 2-point single wrong, 多选 partial        8                     → 5
  孙丽  多选 wrong, 填空 too late                     7                     → 6
  郑浩  only 判断 right                               1                     → 7
  吴敏  does not take part

Teams (denominators: members who can take part, plus 待确认 workers who played):
  一车间·甲班  R 3, p 3: 11 + 11 + 9 = 31
  乙班        R 3 (2 + 郑浩), p 3: 8 + 7 + 1 = 16
  二车间·甲班  R 2, p 1: 11
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest import workers as people_registry
from contest.admin import people as admin_people
from contest.admin.policy import Actor
from contest.competitions import create_competition, sync_statuses
from contest.errors import DefinitionRejected
from contest.export import export_results
from contest.models import Attempt, AttemptQuestion, Competition, Worker
from contest.participation import participation_by_team
from contest.ranking import team_board, top_individuals
from contest.roster import import_roster
from contest.rules import rules_of
from contest.standings import refresh_team_standings
from contest.teams import join_team, team_overview
from quizbank.models import Question, QuestionType
from scheduler.announce import announcement_text, board_picture, load_board
from scheduler.picture import lines
from storage.ids import id_of
from tests.conftest import MovableClock
from tests.contest.season import LATE, PARTIAL, RIGHT, WRONG, add_season_bank, play
from tests.turns import turn

S1, S2 = (QuestionType.SINGLE, 1.0), (QuestionType.SINGLE, 2.0)
M, TF, B = (QuestionType.MULTIPLE, 2.0), (QuestionType.TRUE_FALSE, 1.0), (QuestionType.BLANK, 2.0)
PERFECT = {S1: [RIGHT] * 2, S2: [RIGHT] * 2, M: [RIGHT], TF: [RIGHT], B: [RIGHT]}
ROSTER = """姓名,工号,部门,车间,班组
王芳,E01,生产部,一车间,甲班
李强,E02,生产部,一车间,甲班
陈静,E03,生产部,一车间,甲班
赵磊,E04,生产部,一车间,乙班
孙丽,E05,生产部,一车间,乙班
周杰,E06,生产部,二车间,甲班
吴敏,E07,生产部,二车间,甲班
"""


def definition(mode: str, **rules: object) -> dict[str, object]:
    return {
        "name": "2026 质量月知识竞赛",
        "starts_at": "2026-09-01 08:00",
        "ends_at": "2026-09-01 18:00",
        "rules": {
            "composition": [
                {"type": "单选", "count": 4},
                {"type": "多选", "count": 1},
                {"type": "判断", "count": 1},
                {"type": "填空", "count": 1},
            ],
            "scoring": {"multiple_policy": "partial"},
            "team": {"mode": mode, "top_n": 2, "level": "班组"},
            **rules,
        },
    }


async def _register(session, clock, telegram_id, name, *, number=None, link=None) -> Worker:
    roster_id = None
    if number is None and link is not None:
        matches = await people_registry.roster_by_name(
            session, name=name, join_code=link, telegram_id=telegram_id
        )
        roster_id = matches[0].worker_id if len(matches) == 1 else None
    worker = await turn(
        session,
        people_registry.register_worker(
            session,
            telegram_id=telegram_id,
            username=f"u{telegram_id}",
            real_name=name,
            employee_no=number,
            language="zh",
            clock=clock,
            roster_worker_id=roster_id,
        ),
    )
    if link is not None and worker.team_id is None:
        await turn(
            session, join_team(session, worker_id=id_of(worker), join_code=link, clock=clock)
        )
        await session.refresh(worker)
    return worker


async def _season(session: AsyncSession, clock: MovableClock, mode: str, **rules: object) -> dict:
    await turn(
        session, import_roster(session, data=ROSTER.encode(), filename="花名册.csv", clock=clock)
    )
    await add_season_bank(session)
    competition = await turn(
        session,
        create_competition(
            session, data=definition(mode, **rules), created_by="organiser", clock=clock
        ),
    )
    await turn(session, sync_statuses(session, clock=clock))  # 09:00: it opened at 08:00
    links = {line.path[-2] + line.path[-1]: line.join_code for line in await team_overview(session)
             if len(line.path) == 3}  # fmt: skip
    start = clock()
    who = {
        "王芳": await _register(session, clock, 1, "王芳", number="E01"),
        "李强": await _register(session, clock, 2, "李强", link=links["一车间甲班"]),
        "赵磊": await _register(session, clock, 4, "赵磊", number="E04"),
        "孙丽": await _register(session, clock, 5, "孙丽", link=links["一车间乙班"]),
        "周杰": await _register(session, clock, 6, "周杰", link=links["二车间甲班"]),
        "郑浩": await _register(session, clock, 8, "郑浩", link=links["一车间乙班"]),
        "陈静*": await _register(session, clock, 3, "陈静"),  # no link: a 待确认 duplicate
    }
    cid = id_of(competition)
    plays = [
        ("王芳", PERFECT, 5, 0),
        ("周杰", PERFECT, 5, 0),  # the same start and pace: tied with 王芳 on every key
        ("李强", PERFECT, 6, 1),
        ("赵磊", {S1: [RIGHT] * 2, S2: [RIGHT, WRONG], M: [PARTIAL], TF: [RIGHT], B: [RIGHT]},
         5, 2),
        ("孙丽", {S1: [RIGHT] * 2, S2: [RIGHT] * 2, M: [WRONG], TF: [RIGHT], B: [LATE]}, 5, 3),
        ("郑浩", {S1: [WRONG] * 2, S2: [WRONG] * 2, M: [WRONG], TF: [RIGHT], B: [WRONG]}, 5, 4),
        ("陈静*", {S1: [RIGHT] * 2, S2: [RIGHT] * 2, M: [PARTIAL], TF: [WRONG], B: [RIGHT]}, 5, 5),
    ]  # fmt: skip
    for name, plan, seconds, minute in plays:
        clock.set(start + timedelta(minutes=minute))
        await play(session, worker=who[name], competition_id=cid, clock=clock, plan=plan,
                   seconds=seconds)  # fmt: skip
    await refresh_team_standings(session, competition_id=cid, clock=clock)
    await session.commit()
    return {"competition": competition, "who": who, "start": start}


MODES = {  # team: (score, rank) by hand, after the merge
    "sum": {"一车间·甲班": (31, 1), "乙班": (16, 2), "二车间·甲班": (11, 3)},
    "avg_participants": {"二车间·甲班": (11, 1), "一车间·甲班": (10.3, 2), "乙班": (5.3, 3)},
    "avg_registered": {"一车间·甲班": (10.3, 1), "二车间·甲班": (5.5, 2), "乙班": (5.3, 3)},
    "top_n_avg": {"一车间·甲班": (11, 1), "乙班": (7.5, 2), "二车间·甲班": (5.5, 3)},
}
INDIVIDUALS = [  # (rank, tied, name, team, score, correct)
    (1, True, "王芳", "一车间·甲班", 11, 7),
    (1, True, "周杰", "二车间·甲班", 11, 7),
    (3, False, "李强", "一车间·甲班", 11, 7),
    (4, False, "陈静", "一车间·甲班", 9, 5),
    (5, False, "赵磊", "乙班", 8, 5),
    (6, False, "孙丽", "乙班", 7, 5),
    (7, False, "郑浩", "乙班", 1, 1),
]


@pytest.mark.parametrize("mode", sorted(MODES))
async def test_a_season_matches_the_hand_computation(
    session: AsyncSession, clock: MovableClock, mode: str, tmp_path
) -> None:
    season = await _season(session, clock, mode)
    competition: Competition = season["competition"]
    cid = id_of(competition)
    duplicate = season["who"]["陈静*"]
    assert duplicate.pending and not season["who"]["郑浩"].on_roster
    assert season["who"]["李强"].employee_no == "E02"  # found by name in the link's team
    await turn(
        session,
        admin_people.merge(
            session,
            actor=Actor(900, super_admin=True),
            keep_ref="E03",
            drop_ref=f"#{duplicate.id}",
            clock=clock,
        ),
    )

    # Equal-total papers: every paper is worth 11.
    assert rules_of(competition).full_marks() == 11
    papers = await session.execute(
        select(AttemptQuestion.attempt_id, Question.points).join(
            Question, Question.id == AttemptQuestion.question_id
        )
    )
    totals: dict[int, float] = {}
    for attempt_id, points in papers.all():
        totals[attempt_id] = totals.get(attempt_id, 0) + points
    assert set(totals.values()) == {11}

    individuals = await top_individuals(session, competition_id=cid, limit=None)
    got = [(r.rank, r.tied, r.name, r.team_label, r.score, r.correct_count) for r in individuals]
    assert got == INDIVIDUALS

    teams = await team_board(session, competition_id=cid)
    assert {r.label: (r.score, r.rank) for r in teams} == MODES[mode]
    heads = {r.label: (r.participants, r.registered) for r in teams}
    assert heads == {"一车间·甲班": (3, 3), "乙班": (3, 3), "二车间·甲班": (1, 2)}

    stats = {r.name: (r.participants, r.registered) for r in
             await participation_by_team(session, competition_id=cid)}  # fmt: skip
    assert stats == heads  # /stats says what the board says

    board = await load_board(session, competition_id=cid)
    when = competition.ends_at
    text = announcement_text(competition, board, {}, when=when, final=True, top_n=10, lang="zh")
    assert "并列1. 王芳（一车间·甲班）  11 分" in text
    assert "并列1. 周杰（二车间·甲班）  11 分" in text
    assert "3. 李强（一车间·甲班）  11 分" in text
    for label, (score, rank) in MODES[mode].items():
        assert f"{rank}. {label}  {score:g} 分" in text
    assert "同分按总用时" in text

    picture = board_picture(competition, board, {}, when=when, final=True, top_n=10, lang="zh")
    people, team_lines = lines(picture)
    assert [(p.rank, p.tied, p.name, p.detail, p.score) for p in people] == [
        (str(r), tied, name, team, f"{score:g}") for r, tied, name, team, score, _ in INDIVIDUALS
    ]
    assert {t.name: (t.score, t.rank) for t in team_lines} == {
        label: (f"{score:g}", str(rank)) for label, (score, rank) in MODES[mode].items()
    }

    book = load_workbook(
        await turn(session, export_results(session, competition_id=cid, path=tmp_path / "r.xlsx"))
    )
    exported = [
        (r[0].value, r[1].value == "并列", r[2].value, r[4].value, r[5].value, r[7].value)
        for r in book["个人排名"].iter_rows(min_row=2)
    ]
    assert exported == INDIVIDUALS
    assert [r[3].value for r in book["个人排名"].iter_rows(min_row=2)][:3] == ["E01", "E06", "E02"]
    team_rows = {r[2].value: (r[5].value, r[0].value, r[6].value, r[7].value)
                 for r in book["团队排名"].iter_rows(min_row=2)}  # fmt: skip
    assert team_rows == {
        label: (score, rank, *heads[label]) for label, (score, rank) in MODES[mode].items()
    }
    turnout = {r[0].value: (r[4].value, r[3].value) for r in book["参与率"].iter_rows(min_row=2)}
    assert turnout == {"生产部": (7, 8), "一车间": (6, 6), "二车间": (1, 2), **heads}
    absent = [(r[0].value, r[2].value) for r in book["未参与名单"].iter_rows(min_row=2)]
    assert absent == [("二车间·甲班", "吴敏")]


async def test_before_the_merge_the_duplicate_waits_and_teams_can_tie(
    session: AsyncSession, clock: MovableClock
) -> None:
    season = await _season(session, clock, "avg_participants")
    cid = id_of(season["competition"])
    teams = {
        r.label: (r.score, r.rank, r.tied) for r in await team_board(session, competition_id=cid)
    }
    # 一车间·甲班 11, 11 (the roster 陈静 has not played; her duplicate has no team yet).
    assert teams == {
        "一车间·甲班": (11, 1, True), "二车间·甲班": (11, 1, True), "乙班": (5.3, 3, False),
    }  # fmt: skip
    stats = {r.name: (r.participants, r.registered) for r in
             await participation_by_team(session, competition_id=cid)}  # fmt: skip
    assert stats["一车间·甲班"] == (2, 3)
    assert stats[""] == (1, 1)  # the pending duplicate, without a team
    # /teams counts a 车间's 班组 too, and not the 待确认 workers
    members = {" / ".join(line.path): line.members for line in await team_overview(session)}
    assert members == {
        "生产部": 7, "生产部 / 一车间": 5, "生产部 / 一车间 / 甲班": 3, "生产部 / 一车间 / 乙班": 2,
        "生产部 / 二车间": 2, "生产部 / 二车间 / 甲班": 2,
    }  # fmt: skip


async def test_a_bank_that_cannot_fill_every_paper_is_refused_with_the_reason(
    session: AsyncSession, clock: MovableClock
) -> None:
    await add_season_bank(session)
    data = definition("sum")
    data["rules"]["composition"].append({"type": "填空", "count": 2})  # type: ignore[index]
    with pytest.raises(DefinitionRejected) as refused:
        await create_competition(session, data=data, created_by=None, clock=clock)
    (issue,) = refused.value.issues
    assert (issue.loc, issue.code) == ("rules.composition.4", "bank_short")
    assert issue.params == {"wanted": 2, "available": 1, "type": "blank"}


async def test_same_papers_share_the_questions_not_the_order(
    session: AsyncSession, clock: MovableClock
) -> None:
    await add_season_bank(session)
    data = definition("sum", paper="same")
    data["rules"]["composition"] = [{"type": "单选", "count": 6}]  # type: ignore[index]
    competition = await turn(
        session, create_competition(session, data=data, created_by=None, clock=clock)
    )
    everyone = [await _register(session, clock, 100 + i, f"职工{i}") for i in range(4)]
    await turn(session, sync_statuses(session, clock=clock))
    for worker in everyone:
        await play(session, worker=worker, competition_id=id_of(competition), clock=clock,
                   plan={}, otherwise=RIGHT)  # fmt: skip
    rows = (
        await session.execute(
            select(Attempt.id, AttemptQuestion.question_id, AttemptQuestion.option_order)
            .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
            .order_by(Attempt.id, AttemptQuestion.position)
        )
    ).all()
    papers: dict[int, list[int]] = {}
    options: dict[int, list[tuple[int, ...]]] = {}
    for attempt_id, question_id, order in rows:
        papers.setdefault(attempt_id, []).append(question_id)
        options.setdefault(attempt_id, []).append(tuple(order))
    assert len({tuple(sorted(p)) for p in papers.values()}) == 1  # the same questions
    assert len({tuple(p) for p in papers.values()}) > 1  # in different orders
    assert len({tuple(o) for o in options.values()}) > 1  # options shuffled per worker
