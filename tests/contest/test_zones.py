"""Time zones read by their everyday names (issue 23: "（Asia/Shanghai 当地时间）")."""

from __future__ import annotations

from datetime import UTC, datetime

from contest.zones import zone_name


def test_china_is_beijing_time_under_any_of_its_names() -> None:
    for tz in ("Asia/Shanghai", "Asia/Chongqing", "PRC"):
        assert zone_name(tz, "zh") == "北京时间"
        assert zone_name(tz, "en") == "Beijing time"


def test_a_zone_without_a_common_name_shows_its_offset_then() -> None:
    winter, summer = datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 7, 15, tzinfo=UTC)
    assert zone_name("Europe/Berlin", "zh", at=winter) == "UTC+1（Europe/Berlin）"
    assert zone_name("Europe/Berlin", "en", at=summer) == "UTC+2 (Europe/Berlin)"
    assert zone_name("Asia/Kolkata", "en", at=winter) == "UTC+5:30 (Asia/Kolkata)"
    assert zone_name("America/St_Johns", "en", at=winter) == "UTC-3:30 (America/St_Johns)"
    assert zone_name("Not/AZone", "zh") == "Not/AZone"
