"""Certificates (荣誉证书) and participation cards (参与证明): PNGs whose every text fits,
however long the name, the competition's title or the organiser."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
from PIL import Image

from scheduler.canvas import fonts
from scheduler.certificate import (
    CARD_H,
    CARD_W,
    CERT_H,
    CERT_W,
    CertificateData,
    certificate_layout,
    certificate_png,
    participation_layout,
    participation_png,
    render_certificate,
    render_participation_card,
)
from tests.scheduler.layout_checks import assert_texts_fit_and_do_not_overlap, texts

TITLE = "2026年全国质量月“质量强国 匠心筑梦”集团公司第三届职工质量知识竞赛暨技能比武活动"
AWARD = CertificateData(
    name="欧阳娜娜娜娜",
    competition="质量月知识竞赛",
    organiser="某某集团有限公司工会",
    day=date(2026, 9, 30),
    team="一车间·甲班",
    rank=2,
    tied=True,
    score=96,
)
TWENTY = "欧阳娜娜娜娜欧阳娜娜娜娜欧阳娜娜娜娜欧阳"
NAMES = [
    "张三",
    "欧阳娜娜娜娜",
    TWENTY,
    "Maximilian Alexander von Hohenzollern-Sigmaringen",
    "Zoë Ångström",
]
LAYOUTS = {"certificate": certificate_layout, "participation card": participation_layout}


def name_size(drawn: object) -> int:
    return max(item.size for item in drawn.texts("name"))  # type: ignore[attr-defined]


def shown_name(drawn: object, name: str) -> str:
    parts = texts(drawn, "name")  # type: ignore[arg-type]
    return " ".join(parts) if name.isascii() or " " in name else "".join(parts)


def test_certificate_is_a_landscape_a4_png_and_the_card_a_portrait_one() -> None:
    certificate = Image.open(io.BytesIO(render_certificate(AWARD)))
    card = Image.open(io.BytesIO(render_participation_card(AWARD)))
    assert certificate.size == (CERT_W, CERT_H) == (1754, 1240)
    assert card.size == (CARD_W, CARD_H) == (1080, 1350)


def test_certificate_reads_the_place_tie_score_team_organiser_and_date() -> None:
    drawn = certificate_layout(AWARD)
    assert texts(drawn, "title") == ["荣 誉 证 书"]
    assert texts(drawn, "name") == ["欧阳娜娜娜娜"]
    assert texts(drawn, "team") == ["一车间·甲班"]
    assert texts(drawn, "place") == ["并列第 2 名"]
    assert texts(drawn, "score") == ["成绩：96 分"]
    assert texts(drawn, "organiser") == ["某某集团有限公司工会"]
    assert texts(drawn, "date") == ["2026年9月30日"]
    assert texts(drawn, "medal_rank") == ["2"]
    assert "「质量月知识竞赛」" in texts(drawn, "body")[0]


def test_english_certificate_and_the_scores_precision() -> None:
    english = replace(AWARD, lang="en", tied=False, rank=1, score=99.95, precision=2)
    drawn = certificate_layout(english)
    assert texts(drawn, "title") == ["Certificate of Achievement"]
    assert texts(drawn, "place") == ["Place 1"]
    assert texts(drawn, "score") == ["Score: 99.95 points"]
    assert texts(drawn, "date") == ["30 September 2026"]
    tied = certificate_layout(replace(english, tied=True, rank=3, score=90.0))
    assert texts(tied, "place") == ["Place 3 (tied)"]
    assert texts(tied, "score") == ["Score: 90 points"]


def test_a_certificate_needs_a_place() -> None:
    with pytest.raises(ValueError, match="place"):
        certificate_layout(replace(AWARD, rank=None))


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("name", NAMES)
def test_long_names_shrink_or_wrap_until_they_fit_and_are_never_cut(kind: str, name: str) -> None:
    drawn = LAYOUTS[kind](replace(AWARD, name=name, competition=TITLE))
    assert_texts_fit_and_do_not_overlap(drawn)
    for item in drawn.texts("name"):
        assert item.max_width is not None
        assert fonts().width(item.text, item.size, bold=True) <= item.max_width
    assert shown_name(drawn, name) == name  # all of it, in at most two lines
    assert len(texts(drawn, "name")) <= 2


@pytest.mark.parametrize("kind", LAYOUTS)
def test_a_long_name_is_drawn_smaller_than_a_short_one(kind: str) -> None:
    short = LAYOUTS[kind](replace(AWARD, name="张三"))
    long = LAYOUTS[kind](replace(AWARD, name=TWENTY))
    assert name_size(long) < name_size(short)


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_everything_long_at_once_still_fits_the_page(kind: str, lang: str) -> None:
    data = replace(
        AWARD,
        name=TWENTY,
        competition=TITLE * 2,
        organiser="某某集团有限公司工会委员会 质量管理部 安全环保部 人力资源部 联合颁发",
        team="仓储物流部·收发货班·第一小组·夜班值守·二十个字",
        lang=lang,
    )
    drawn = LAYOUTS[kind](data)
    assert_texts_fit_and_do_not_overlap(drawn)
    assert 1 <= len(texts(drawn, "body")) <= 3
    assert len(texts(drawn, "organiser")) <= 2


def test_participation_card_shows_score_and_place_only_when_given() -> None:
    drawn = participation_layout(AWARD)
    assert texts(drawn, "title") == ["参 与 证 明"]
    assert texts(drawn, "score") == ["成绩 96 分"]
    assert texts(drawn, "place") == ["并列第 2 名"]
    bare = participation_layout(replace(AWARD, rank=None, score=None, tied=False))
    assert texts(bare, "score") == [] and texts(bare, "place") == []
    assert texts(bare, "name") == ["欧阳娜娜娜娜"]
    english = participation_layout(replace(AWARD, lang="en"))
    assert texts(english, "title") == ["Certificate of Participation"]
    assert texts(english, "place") == ["Place 2 (tied)"]


async def test_async_wrappers_render_off_the_event_loop() -> None:
    assert (await certificate_png(AWARD))[:4] == b"\x89PNG"
    assert (await participation_png(AWARD))[:4] == b"\x89PNG"
