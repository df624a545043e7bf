"""The big screen reads scores as the chat does: the competition's precision, a worker's score
as a percentage when the rules say ``score_as: percent``, a team's in points."""

from __future__ import annotations

from datetime import UTC, datetime

from contest.big_screen import ScreenBoard, ScreenPerson, ScreenTeam
from contest.models import CompetitionStatus
from contest.scoring import ScoreStyle
from web.hub import BoardFeed, ScreenHub

NOW = datetime(2026, 9, 15, 2, 0, tzinfo=UTC)


def _board(style: ScoreStyle) -> ScreenBoard:
    return ScreenBoard(
        competition_id=1, title="质量月", status=CompetitionStatus.OPEN, starts_at=NOW,
        ends_at=NOW, participants=2, registered=4,
        individuals=[
            ScreenPerson(1, 1, "张三", "甲班", 8.0, 8),
            ScreenPerson(2, 2, "李四", "乙班", 7.25, 7),
        ],
        teams=[ScreenTeam(10, 1, "一车间·甲班", 15.25, 2, 4)],
        style=style,
    )  # fmt: skip


def _payload(style: ScoreStyle) -> dict:
    feed = BoardFeed(ScreenHub(None), competition_id=1)  # type: ignore[arg-type]
    feed.publish(_board(style), NOW)
    assert feed.payload is not None
    return feed.payload


def test_scores_on_the_screen_follow_the_competition_s_style() -> None:
    points = _payload(ScoreStyle(precision=1))
    assert [p["score"] for p in points["people"]] == ["8", "7.3"]  # half up, as in the chat
    assert [tm["score"] for tm in points["teams"]] == ["15.3"]
    percent = _payload(ScoreStyle(precision=1, full_marks=10, percent=True))
    assert [p["score"] for p in percent["people"]] == ["80%", "72.5%"]
    assert [tm["score"] for tm in percent["teams"]] == ["15.3"]  # teams stay in points
