"""Workbooks are named after the competition, with characters unsafe in file names replaced."""

from __future__ import annotations

from bot.file_names import workbook_name


def test_workbook_names_are_human_and_safe() -> None:
    assert workbook_name("质量月知识竞赛", "results", "zh") == "质量月知识竞赛-成绩.xlsx"
    assert workbook_name("A/B: 第*季?", "links", "zh") == "A_B_ 第_季_-个人链接.xlsx"
    assert workbook_name("Q3", "results", "en") == "Q3-results.xlsx"
