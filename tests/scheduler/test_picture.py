"""The leaderboard picture: a real PNG, not blank, with Chinese glyphs from a CJK font."""

from __future__ import annotations

import io

import pytest
from matplotlib.ft2font import FT2Font
from matplotlib.image import imread

from scheduler.picture import BoardPicture, cjk_font_path, has_glyphs, render, render_png

BOARD = BoardPicture(
    title="2026 全国质量月知识竞赛 排行榜",
    subtitle="2026-09-02 18:00 (Asia/Shanghai)",
    teams=[("一车间", 88.5), ("质检部", 80.0), ("二车间", 70.25)],
    individuals=[(1, "张三", 95.0), (2, "李四", 90.0), (3, "王五", 88.0)],
    teams_label="团队",
    individuals_label="个人排名",
)


def test_cjk_font_resolves_and_has_the_title_glyphs() -> None:
    path = cjk_font_path()
    font = FT2Font(path)
    assert all(font.get_char_index(ord(ch)) != 0 for ch in "质量月知识竞赛排行榜一车间")
    assert has_glyphs(path, BOARD.title.replace(" ", ""))


def test_picture_is_a_non_blank_png_of_the_expected_size() -> None:
    png = render(BOARD)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = imread(io.BytesIO(png))
    assert pixels.shape[:2] == (600, 1000)
    assert 10_000 < len(png) < 1_000_000
    non_white = (pixels[..., :3] < 0.95).any(axis=-1).mean()
    assert 0.05 < non_white < 0.9


@pytest.mark.filterwarnings("ignore:Glyph")
def test_title_is_not_drawn_as_tofu() -> None:
    """Missing glyphs all render as the same box: two titles of missing glyphs give the same
    picture, while two different Chinese titles give different pictures, so they are real."""
    font = FT2Font(cjk_font_path())
    missing = [chr(c) for c in range(0xE000, 0xF8FF) if font.get_char_index(c) == 0][:2]
    assert len(missing) == 2

    def titled(title: str) -> bytes:
        return render(BoardPicture(title=title, subtitle=BOARD.subtitle))

    assert titled(missing[0] * 4) == titled(missing[1] * 4)  # tofu is indistinguishable
    assert titled("质量月赛") != titled("知识竞赛")


async def test_render_png_runs_off_the_event_loop() -> None:
    assert (await render_png(BOARD))[:4] == b"\x89PNG"
