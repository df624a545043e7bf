"""The live final's results picture: the podium shares a step between equal scores, every
team is listed with its players, long names are fitted, and it paints as a PNG."""

from __future__ import annotations

import os
from datetime import date

from scheduler.live_picture import FinalPicture, Placed, layout, render
from tests.web.conftest import SCREENSHOTS

PICTURE = FinalPicture(
    "2026 全国质量月 · 质量知识竞赛决赛",
    date(2026, 9, 28),
    [
        Placed(1, "质检部", ["张伟", "王芳", "李娜"], 180),
        Placed(2, "一车间", ["刘洋", "陈静"], 150, tied=True),
        Placed(2, "设备动力部第二维修班（电气与仪表自动化）", ["杨帆", "赵磊"], 150, tied=True),
        Placed(4, "二车间", ["黄敏"], 90),
    ],
)


def test_the_podium_shares_a_step_and_every_team_is_listed():
    out = layout(PICTURE)
    podium = [t.text for t in out.texts("podium")]
    assert podium[0].startswith("一车间、设备动力部") and podium[1] == "质检部"
    assert [t.text for t in out.texts("place")] == ["2", "1"]  # no third step: 1, 2, 2, 4
    assert [t.text for t in out.texts("score")] == ["180", "150", "150", "90"]
    assert all(t.width <= (t.max_width or 10_000) for t in out.texts())
    assert "2026年9月28日" in out.texts("date")[0].text
    names = out.texts("name")
    assert names[2].width <= 430 and names[2].size < 34  # the long name was fitted


def test_it_paints_a_png():
    png = render(PICTURE)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("QQ_SCREENSHOTS") == "1":
        (SCREENSHOTS / "live-results.png").write_bytes(png)
