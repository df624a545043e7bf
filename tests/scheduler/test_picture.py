"""The leaderboard picture: a portrait PNG with Chinese from a CJK font, and the right data
laid out (ranks, ties, labels, scores, movement) without overlapping or overflowing text."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from matplotlib.ft2font import FT2Font
from PIL import Image

import scheduler.fonts as font_files
from scheduler.canvas import format_score
from scheduler.picture import (
    MAX_HEIGHT,
    WIDTH,
    BoardPicture,
    CJKFontMissing,
    PersonEntry,
    TeamEntry,
    cjk_font_path,
    has_glyphs,
    layout,
    lines,
    render,
    render_png,
)
from tests.scheduler.layout_checks import assert_texts_fit_and_do_not_overlap, texts

WHEN = datetime(2026, 9, 2, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
BOARD = BoardPicture(
    title="2026 全国质量月知识竞赛",
    when=WHEN,
    individuals=[
        PersonEntry(1, "张三", 95.0, "一车间·甲班", moved=2),
        PersonEntry(2, "李四", 90.0, "二车间·甲班", new=True),
        PersonEntry(2, "王五", 90.0, "质检部", moved=-1),
        PersonEntry(4, "赵六", 88.25, "质检部"),
    ],
    teams=[
        TeamEntry(1, "一车间·甲班", 88.5, 9, 10),
        TeamEntry(2, "质检部", 80.0, 4, 8, moved=1),
        TeamEntry(None, "二车间·甲班", 70.0, 1, 12),
    ],
)
LONG = BoardPicture(
    title="2026年全国质量月“质量强国 匠心筑梦”集团公司第三届职工质量知识竞赛暨技能比武活动",
    when=WHEN,
    individuals=[
        PersonEntry(1, "欧阳娜娜娜娜", 100, "仓储物流部·收发货班·第一小组"),
        PersonEntry(1, "二十个字的名字二十个字的名字二十个字的名字", 100, "一车间·甲班"),
        PersonEntry(1, "Maximilian Alexander von Hohenzollern-Sigmaringen", 100, "QA Dept"),
        *(
            PersonEntry(4 + i, f"欧阳娜娜娜娜{i}号欧阳娜娜娜娜", 99 - i, "仓储物流部")
            for i in range(7)
        ),
    ],
    teams=[
        TeamEntry(i + 1, f"第{i + 1}分厂·仓储物流部·收发货班·夜班", 90 - i, 10 + i, 40)
        for i in range(20)
    ],
)


def test_cjk_font_resolves_and_has_the_title_glyphs() -> None:
    path = cjk_font_path()
    font = FT2Font(path)
    assert all(font.get_char_index(ord(ch)) != 0 for ch in "质量月知识竞赛排行榜一车间并列")
    assert has_glyphs(path, BOARD.title.replace(" ", ""))


def test_picture_is_a_non_blank_portrait_png_a_phone_wide() -> None:
    png = render(BOARD)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(png))
    width, height = image.size
    assert width == WIDTH == 1080
    assert width < height <= MAX_HEIGHT
    assert len(png) < 400_000
    grey = image.convert("L")
    histogram = grey.histogram()
    assert sum(histogram[:128]) / (width * height) > 0.05  # dark header and text


@pytest.mark.filterwarnings("ignore:Glyph")
def test_title_is_not_drawn_as_tofu() -> None:
    """Missing glyphs are left out: two titles of missing glyphs give the same picture, while
    two different Chinese titles give different pictures, so they are real glyphs."""
    font = FT2Font(cjk_font_path())
    missing = [chr(c) for c in range(0xE000, 0xF8FF) if font.get_char_index(c) == 0][:2]
    assert len(missing) == 2

    def titled(title: str) -> bytes:
        return render(BoardPicture(title=title, when=WHEN))

    assert titled(missing[0] * 4) == titled(missing[1] * 4)
    assert titled("质量月赛") != titled("知识竞赛")


def test_ties_share_a_place_and_are_marked() -> None:
    people, teams = lines(BOARD)
    assert [(p.rank, p.tied) for p in people] == [
        ("1", False),
        ("2", True),
        ("2", True),
        ("4", False),
    ]
    assert [p.medal for p in people] == [1, 2, 2, None]
    drawn = layout(BOARD)
    assert texts(drawn, "rank")[:4] == ["1", "2", "2", "4"]  # the podium, then the list
    assert texts(drawn, "tied") == ["并列", "并列"]
    assert [team.rank for team in teams] == ["1", "2", "—"]


def test_teams_read_by_their_paths_with_turnout_and_individuals_with_their_team() -> None:
    drawn = layout(BOARD)
    assert texts(drawn, "name") == [
        "张三",
        "李四",
        "王五",
        "赵六",
        "一车间·甲班",
        "质检部",
        "二车间·甲班",
    ]
    assert texts(drawn, "team") == ["一车间·甲班", "二车间·甲班", "质检部", "质检部"]
    assert texts(drawn, "rate") == ["90%", "50%", "8%"]
    assert texts(drawn, "title") == ["2026 全国质量月知识竞赛"]
    assert texts(drawn, "date") == ["2026年9月2日 18:00"]
    assert texts(drawn, "heading") == ["排行榜"]


def test_scores_have_the_competitions_precision_and_whole_ones_no_decimals() -> None:
    assert texts(layout(BOARD), "score") == ["95分", "90分", "90分", "88.3", "88.5", "80", "70"]
    assert format_score(88.25, 2) == "88.25"
    assert format_score(88.25, 0) == "88"
    assert format_score(0.05) == "0.1"  # half up, not to even
    assert format_score(90.0, 2) == "90"


def test_movement_since_the_last_announcement() -> None:
    assert texts(layout(BOARD), "move") == ["▲2", "新", "▼1", "▲1"]
    english = layout(BoardPicture(BOARD.title, WHEN, BOARD.individuals, lang="en", final=True))
    assert texts(english, "move") == ["▲2", "new", "▼1"]
    assert texts(english, "heading") == ["Final results"]
    assert texts(english, "date") == ["2 September 2026, 18:00"]
    assert texts(english, "score")[:2] == ["95 pts", "90 pts"]


def test_top_n_limits_the_individuals_shown() -> None:
    drawn = layout(BoardPicture(BOARD.title, WHEN, BOARD.individuals, top_n=2))
    assert texts(drawn, "name") == ["张三", "李四"]
    assert texts(drawn, "tied") == ["并列"]  # 李四 still shares second place with 王五


@pytest.mark.parametrize("board", [BOARD, LONG], ids=["small", "long names, 20 teams"])
def test_every_text_fits_its_box_and_none_overlap(board: BoardPicture) -> None:
    assert_texts_fit_and_do_not_overlap(layout(board))


def test_long_names_wrap_or_shrink_but_keep_their_start() -> None:
    drawn = layout(LONG)
    names = texts(drawn, "name")
    assert "欧阳娜娜娜娜" in names
    assert "".join(names).startswith("欧阳娜娜娜娜二十个字的名字")
    assert len(texts(drawn, "title")) in (2, 3)
    assert "".join(texts(drawn, "title")).startswith("2026年全国质量月")


def test_twenty_teams_fit_on_one_picture_telegram_keeps_sharp() -> None:
    drawn = layout(LONG)
    assert drawn.height <= MAX_HEIGHT
    assert len(drawn.texts("rate")) == 20
    assert texts(drawn, "more") == []
    many = BoardPicture(LONG.title, WHEN, LONG.individuals, LONG.teams * 2)
    crowded = layout(many)
    assert crowded.height <= MAX_HEIGHT
    assert texts(crowded, "more") == ["另有 20 个团队未列出"]


def test_one_participant_and_nobody_still_make_a_portrait_picture() -> None:
    one = layout(BoardPicture("质量月竞赛", WHEN, [PersonEntry(1, "张三", 60)]))
    assert texts(one, "rank") == ["1"] and texts(one, "tied") == []
    nobody = layout(BoardPicture("质量月竞赛", WHEN))
    assert texts(nobody, "empty") == ["暂无成绩"]
    assert nobody.height > nobody.width
    assert Image.open(io.BytesIO(render(BoardPicture("质量月竞赛", WHEN)))).size == (1080, 1350)


def test_no_cjk_font_is_refused_rather_than_drawn_as_tofu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(font_files, "WQY_MICROHEI", font_files.Path("/nonexistent/wqy.ttc"))
    monkeypatch.setattr(font_files, "CJK_FAMILIES", ("No Such CJK Font",))
    font_files.cjk_font_path.cache_clear()
    font_files.fonts.cache_clear()
    try:
        with pytest.raises(CJKFontMissing, match="fonts-wqy-microhei"):
            render(BOARD)
    finally:
        font_files.cjk_font_path.cache_clear()
        font_files.fonts.cache_clear()


async def test_render_png_runs_off_the_event_loop() -> None:
    assert (await render_png(BOARD))[:4] == b"\x89PNG"


async def test_pictures_drawn_at_once_come_out_as_drawn_alone() -> None:
    alone = render(BOARD)
    together = await asyncio.gather(*(render_png(BOARD) for _ in range(4)))
    assert all(png == alone for png in together)
