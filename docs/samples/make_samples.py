"""Regenerate the sample pictures in docs/samples: ``python docs/samples/make_samples.py``.

Run from the repository root; needs the CJK font (fonts-wqy-microhei).
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scheduler.certificate import (
    CertificateData,
    render_certificate,
    render_participation_card,
)
from scheduler.picture import BoardPicture, PersonEntry, TeamEntry, render

OUT = Path(__file__).resolve().parent
WHEN = datetime(2026, 9, 18, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TITLE = "2026年全国质量月“质量强国 匠心筑梦”职工质量知识竞赛"

PEOPLE = [
    PersonEntry(1, "欧阳娜娜娜娜", 98.5, "一车间·甲班", moved=2),
    PersonEntry(2, "张伟", 96, "质检部", moved=-1),
    PersonEntry(2, "李娜", 96, "二车间·甲班", new=True),
    PersonEntry(4, "王强", 93.25, "来料检验组"),
    PersonEntry(5, "Alexander Hamilton-Smith", 91, "设备部", moved=3),
    PersonEntry(6, "刘洋", 90, "一车间·乙班", moved=-2),
    PersonEntry(7, "陈静", 88.5, "二车间·甲班"),
    PersonEntry(7, "杨帆", 88.5, "仓储物流部·收发货班", new=True),
    PersonEntry(9, "赵磊", 87, "一车间·甲班"),
    PersonEntry(10, "黄晓明", 86.75, "质检部", moved=1),
]
TEAMS = [
    TeamEntry(1, "质检部", 92.4, 18, 20, moved=1),
    TeamEntry(2, "一车间·甲班", 90.1, 25, 28, moved=-1),
    TeamEntry(3, "二车间·甲班", 88.0, 14, 22),
    TeamEntry(3, "来料检验组", 88.0, 9, 9, new=True),
    TeamEntry(5, "设备部", 85.5, 11, 30),
    TeamEntry(None, "仓储物流部·收发货班", 80.0, 1, 12),
]
WORKSHOPS = "一二三四五六七八九十"


def twenty_teams() -> list[TeamEntry]:
    """Twenty workshops' shifts, two of them sharing third place."""
    teams = []
    for i in range(20):
        label = f"{WORKSHOPS[i // 2]}车间·{'甲乙'[i % 2]}班"
        rank, score = (3, 95 - 2 * 1.7) if i == 3 else (i + 1, 95 - i * 1.7)
        teams.append(TeamEntry(rank, label, score, 30 - i, 32, moved=(i % 5) - 2))
    return teams


def main() -> None:
    samples = {
        "leaderboard-zh.png": BoardPicture(TITLE, WHEN, PEOPLE, TEAMS),
        "leaderboard-20-teams.png": BoardPicture(TITLE, WHEN, PEOPLE, twenty_teams(), final=True),
        "leaderboard-en.png": BoardPicture(
            "2026 Quality Month Knowledge Contest", WHEN, PEOPLE[:5], TEAMS[:3], lang="en"
        ),
        "leaderboard-one.png": BoardPicture(
            "质量月知识竞赛", WHEN, PEOPLE[:1], [TeamEntry(1, "质检部", 98.5, 1, 20, new=True)]
        ),
        "leaderboard-empty.png": BoardPicture("质量月知识竞赛", WHEN),
    }
    for name, board in samples.items():
        (OUT / name).write_bytes(render(board))
    award = CertificateData(
        name="欧阳娜娜娜娜",
        competition=TITLE,
        organiser="某某集团有限公司工会 质量管理部",
        day=date(2026, 9, 30),
        team="一车间·甲班",
        rank=2,
        tied=True,
        score=96,
    )
    (OUT / "certificate.png").write_bytes(render_certificate(award))
    english = CertificateData(
        name="Maximilian Alexander von Hohenzollern-Sigmaringen",
        competition="2026 National Quality Month Knowledge Contest",
        organiser="Trade Union of Example Group Co., Ltd.",
        day=date(2026, 9, 30),
        team="Quality Dept · Incoming Inspection",
        rank=1,
        score=100,
        lang="en",
    )
    (OUT / "certificate-en.png").write_bytes(render_certificate(english))
    (OUT / "participation.png").write_bytes(
        render_participation_card(
            CertificateData(
                name="欧阳娜娜娜娜",
                competition=TITLE,
                organiser="某某集团有限公司工会",
                day=date(2026, 9, 30),
                team="一车间·甲班",
                score=98.5,
                rank=1,
            )
        )
    )


if __name__ == "__main__":
    main()
