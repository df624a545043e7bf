"""What organisers type, read by the core: times, announcement schedules, dialog answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contest.admin.drafts import parse_composition, parse_count, parse_names, parse_seconds
from contest.schedules import (
    Cadence,
    ScheduleHint,
    cadence,
    next_time,
    parse_schedule,
    preset,
    schedule_hint,
)
from contest.when import parse_when

NOW = datetime(2026, 9, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("现在", "2026-09-01 09:00"),
        ("now", "2026-09-01 09:00"),
        ("明天9点", "2026-09-02 09:00"),
        ("明天下午3点", "2026-09-02 15:00"),
        ("tomorrow 9am", "2026-09-02 09:00"),
        ("11-29 09:00", "2026-11-29 09:00"),
        ("11/29 03:36", "2026-11-29 03:36"),
        ("2026-11-29 09:00", "2026-11-29 09:00"),
        ("２０２６－１１－２９　０９：００", "2026-11-29 09:00"),  # a full-width keyboard
        ("11月29日 9点半", "2026-11-29 09:30"),
        ("8-01", "2027-08-01 09:00"),  # a date long past is next year's
        ("3天后", "2026-09-04 09:00"),
        ("今天18点", "2026-09-01 18:00"),
    ],
)
def test_times_as_organisers_type_them(text: str, local: str) -> None:
    when = parse_when(text, zone="Asia/Shanghai", now=NOW)
    assert when is not None and when.strftime("%Y-%m-%d %H:%M") == local


@pytest.mark.parametrize("text", ["2026-02-30 09:00", "next week-ish", "", "明天晚些"])
def test_times_that_are_not_understood(text: str) -> None:
    assert parse_when(text, zone="Asia/Shanghai", now=NOW) is None


def test_a_day_without_a_time_starts_at_nine() -> None:
    when = parse_when("明天", zone="Asia/Shanghai", now=NOW)
    assert when is not None and when.strftime("%m-%d %H:%M") == "09-02 09:00"


def test_a_duration_for_the_end_counts_from_the_start() -> None:
    start = datetime(2026, 9, 10, 1, 0, tzinfo=UTC)
    end = parse_when("7天", zone="Asia/Shanghai", now=NOW, base=start)
    assert end is not None and end.astimezone(UTC) == datetime(2026, 9, 17, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "cron"),
    [
        ("每天18点", "0 18 * * *"),
        ("每天 18:00", "0 18 * * *"),
        ("每周五下午5点", "0 17 * * 5"),
        ("每周五 17:00", "0 17 * * 5"),
        ("工作日 17:30", "30 17 * * 1-5"),
        ("晚上8点半", "30 20 * * *"),
        ("每周一、周三 9点", "0 9 * * 1,3"),
        ("daily 18:00", "0 18 * * *"),
        ("every friday 5pm", "0 17 * * 5"),
        ("0 18 * * *", "0 18 * * *"),
        ("每小时", "0 * * * *"),
        ("每小时公布一次", "0 * * * *"),
        ("每 小 时", "0 * * * *"),
        ("每个小时", "0 * * * *"),
        ("整点公布", "0 * * * *"),
        ("每隔2小时", "0 */2 * * *"),
        ("每隔２小时", "0 */2 * * *"),
        ("每两小时", "0 */2 * * *"),
        ("每三个小时", "0 */3 * * *"),
        ("every hour", "0 * * * *"),
        ("Hourly", "0 * * * *"),
        ("every 2 hours", "0 */2 * * *"),
        ("8点到18点每小时", "0 8-18 * * *"),
        ("工作日 9点-17点 每两小时", "0 9-17/2 * * 1-5"),
        ("每小时30分", "30 * * * *"),
        ("下午2时", "0 14 * * *"),
    ],
)
def test_announcement_schedules_in_words(text: str, cron: str) -> None:
    choice = parse_schedule(text)
    assert choice is not None and choice.cron == cron and choice.final_results


def test_presets_and_words_for_no_periodic_announcements() -> None:
    assert parse_schedule("仅结束时") == preset("end_only") == parse_schedule("at the end only")
    assert parse_schedule("关闭") == preset("off") == parse_schedule("off")
    assert preset("off").final_results is False and preset("end_only").final_results
    assert parse_schedule("sometimes") is None
    assert parse_schedule("每13小时") is None and parse_schedule("每30分钟") is None


def test_what_was_understood_of_words_that_made_no_schedule() -> None:
    assert schedule_hint("每周五") == ScheduleHint(days=(5,))
    assert schedule_hint("工作日") == ScheduleHint(days=(1, 2, 3, 4, 5))
    assert schedule_hint("每30分钟") == ScheduleHint(too_often=True)
    assert schedule_hint("every 10 minutes") == ScheduleHint(too_often=True)
    assert schedule_hint("下周吧") == ScheduleHint()


def test_an_hourly_line_reads_back_and_has_a_next_time() -> None:
    window = cadence("0 8-18/2 * * 1-5")
    weekdays = (1, 2, 3, 4, 5)
    expected = Cadence("hourly", ":00", weekdays, "0 8-18/2 * * 1-5", every=2, window=(8, 18))
    assert window == expected
    assert cadence("0 * * * *") == Cadence("hourly", time=":00", cron="0 * * * *", every=1)
    # 2026-09-04 19:00 in Shanghai is a Friday evening: next is Monday 08:00.
    friday_evening = datetime(2026, 9, 4, 11, 0, tzinfo=UTC)
    upcoming = next_time(window, zone="Asia/Shanghai", after=friday_evening)
    assert upcoming is not None and upcoming.strftime("%a %H:%M") == "Mon 08:00"
    every = next_time(cadence("30 * * * *"), zone="Asia/Shanghai", after=friday_evening)
    assert every is not None and every.strftime("%H:%M") == "19:30"


def test_a_stored_line_reads_back_as_words_and_a_next_time() -> None:
    weekly = cadence("0 17 * * 5")
    assert weekly == Cadence("weekly", time="17:00", days=(5,), cron="0 17 * * 5")
    assert cadence("*/5 * * * *").kind == "cron"
    friday = next_time(weekly, zone="Asia/Shanghai", after=NOW)  # 2026-09-01 is a Tuesday
    assert friday is not None and friday.strftime("%a %H:%M") == "Fri 17:00"


def test_dialog_answers() -> None:
    assert parse_composition("10 单选 5 多选 判断3") == [
        {"type": "single", "count": 10}, {"type": "multiple", "count": 5},
        {"type": "true_false", "count": 3}]  # fmt: skip
    assert [parse_seconds(t) for t in ("30", "45秒", "1分钟", "2分30秒", "不限", "快")] == [
        30, 45, 60, 150, 0, None]  # fmt: skip
    assert parse_count("3次") == 3 and parse_count("三") is None
    assert parse_names("安全, 质量；5S") == ["安全", "质量", "5S"] and parse_names("全部") == []
