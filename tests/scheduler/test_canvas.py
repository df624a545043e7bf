"""Text fitting, wrapping, scores and dates shared by the pictures."""

from __future__ import annotations

from datetime import date, datetime

from scheduler.canvas import ELLIPSIS, fit, fonts, format_score, long_date, truncate, wrap


def test_fit_reduces_the_size_until_the_measured_width_fits() -> None:
    text = "欧阳娜娜娜娜" * 3
    fitted, size = fit(text, 400, 60, 16, bold=True)
    assert fitted == text
    assert size < 60
    assert fonts().width(text, size, bold=True) <= 400 < fonts().width(text, size + 1, bold=True)


def test_fit_cuts_with_an_ellipsis_only_below_the_smallest_size() -> None:
    fitted, size = fit("二十个字的名字" * 5, 300, 40, 30)
    assert size == 30
    assert fitted.endswith(ELLIPSIS)
    assert fonts().width(fitted, 30) <= 300
    assert truncate("张三", 300, 30) == "张三"
    assert truncate("张三", 1, 30) == ""


def test_wrap_breaks_between_chinese_characters_and_at_spaces_in_latin() -> None:
    lines, _ = wrap("Maximilian Alexander von Hohenzollern-Sigmaringen", 500, 48, 48, max_lines=3)
    assert lines == ["Maximilian Alexander", "von Hohenzollern-", "Sigmaringen"]
    assert all(fonts().width(line, 48) <= 500 for line in lines)
    chinese, size = wrap("欧阳娜娜娜娜" * 4, 400, 48, 24, max_lines=2)
    assert "".join(chinese) == "欧阳娜娜娜娜" * 4 and len(chinese) == 2
    assert all(fonts().width(line, size) <= 400 for line in chinese)


def test_wrap_prefers_the_spaces_in_chinese_text_and_balances_the_lines() -> None:
    lines, _ = wrap("某某集团有限公司工会委员会 质量管理部 安全环保部", 700, 42, 28, max_lines=2)
    assert lines == ["某某集团有限公司工会委员会", "质量管理部 安全环保部"]
    title, _ = wrap("质量月知识竞赛质量月知识竞赛质量", 500, 60, 60, max_lines=2)
    assert [len(line) for line in title] in ([8, 8], [9, 7], [7, 9])


def test_wrap_never_breaks_before_closing_punctuation() -> None:
    lines, _ = wrap("在「质量月知识竞赛」中成绩优异，荣获第一名。", 200, 40, 40, max_lines=9)
    assert not any(line[0] in "，。」" for line in lines)


def test_scores_round_half_up_and_drop_decimals_when_whole() -> None:
    assert [format_score(v) for v in (96.0, 93.25, 93.24, 0.05, 100)] == [
        "96",
        "93.3",
        "93.2",
        "0.1",
        "100",
    ]
    assert format_score(99.95, 2) == "99.95"
    assert format_score(99.999, 2) == "100"


def test_long_dates_in_both_languages() -> None:
    assert long_date(date(2026, 9, 30), "zh") == "2026年9月30日"
    assert long_date(date(2026, 9, 30), "en") == "30 September 2026"
    evening = datetime(2026, 9, 2, 18, 5)
    assert long_date(evening, "zh", with_time=True) == "2026年9月2日 18:05"
    assert long_date(evening, "en", with_time=True) == "2 September 2026, 18:05"
