import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.errors import RosterRejected, RowError
from contest.models import Team, Worker
from contest.roster import import_roster, match_roster_worker
from contest.teams import team_path_names
from tests.turns import turn

HEADER = ["姓名", "工号", "部门", "车间", "班组", "Telegram"]


def xlsx(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD = [
    ["张三", "E001", "质量部", "", "检验一班", "123456"],
    ["李四", "E002", "质量部", "", "检验一班", "@lisi_qc"],
    ["王五", "E003", "生产部", "一车间", "装配二班", ""],
]


async def _workers(session: AsyncSession) -> dict[str, Worker]:
    return {w.employee_no: w for w in (await session.execute(select(Worker))).scalars()}


async def test_import_creates_teams_and_pre_registered_workers(
    session: AsyncSession, clock
) -> None:
    report = await turn(
        session, import_roster(session, data=xlsx(GOOD), filename="roster.xlsx", clock=clock)
    )
    assert (report.rows, report.created, report.teams_created) == (3, 3, 5)
    workers = await _workers(session)
    assert workers["E001"].telegram_id == 123456 and workers["E001"].registered_at is None
    assert workers["E002"].username == "lisi_qc" and workers["E002"].telegram_id is None
    path = await team_path_names(session, team_id=workers["E003"].team_id)
    assert path == ["生产部", "一车间", "装配二班"]
    kinds = {t.name: t.kind for t in (await session.execute(select(Team))).scalars()}
    assert kinds == {"质量部": "部门", "检验一班": "班组", "生产部": "部门", "一车间": "车间",
                     "装配二班": "班组"}  # fmt: skip


async def test_reimport_updates_by_employee_no(session: AsyncSession, clock) -> None:
    await turn(
        session, import_roster(session, data=xlsx(GOOD), filename="roster.xlsx", clock=clock)
    )
    changed = [["张三丰", "E001", "质量部", "", "检验二班", ""], *GOOD[1:]]
    report = await turn(
        session, import_roster(session, data=xlsx(changed), filename="r.xlsx", clock=clock)
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    worker = (await _workers(session))["E001"]
    assert worker.real_name == "张三丰" and worker.telegram_id == 123456  # kept
    assert await team_path_names(session, team_id=worker.team_id) == ["质量部", "检验二班"]


async def test_bad_rows_are_all_reported_and_nothing_is_imported(
    session: AsyncSession, clock
) -> None:
    rows = [
        GOOD[0],
        ["", "E010", "质量部", "", "检验一班", ""],  # row 3
        ["赵六", "E001", "质量部", "", "检验一班", ""],  # row 4: duplicate 工号
        ["钱七", "E011", "质量部", "", "", ""],  # row 5: no 班组
        ["孙八", "E012", "质量部", "", "检验一班", "12ab"],  # row 6: not a number, not a username
        ["周九", "E013", "质量部", "", "检验一班", "123456"],  # row 7: duplicate telegram id
    ]
    with pytest.raises(RosterRejected) as err:
        await import_roster(session, data=xlsx(rows), filename="roster.xlsx", clock=clock)
    assert err.value.errors == [
        RowError("花名册", 3, "姓名", "empty_name"),
        RowError("花名册", 4, "工号", "duplicate_employee_no", {"value": "E001", "first_row": 2}),
        RowError("花名册", 5, "班组", "missing_team"),
        RowError("花名册", 6, "Telegram", "bad_username", {"value": "12ab"}),
        RowError("花名册", 7, "Telegram", "duplicate_telegram_id", {"first_row": 2}),
    ]
    assert await _workers(session) == {}
    assert (await session.execute(select(Team))).first() is None


async def test_missing_required_column_is_reported(session: AsyncSession, clock) -> None:
    data = xlsx([["张三", "质量部"]], header=["姓名", "部门"])
    with pytest.raises(RosterRejected) as err:
        await import_roster(session, data=data, filename="roster.xlsx", clock=clock)
    assert [(e.row, e.column, e.code) for e in err.value.errors] == [
        (0, "工号", "missing_column"), (0, "班组", "missing_column"),
    ]  # fmt: skip


async def test_gbk_csv_with_english_headers_and_telegram_id_column(
    session: AsyncSession, clock
) -> None:
    text = "Name, Employee No ,Department,Team,Telegram ID\n张三,Ｅ００１,质量部,检验一班,-5\n"
    with pytest.raises(RosterRejected) as err:
        await import_roster(session, data=text.encode("gbk"), filename="r.csv", clock=clock)
    assert err.value.errors == [
        RowError("r.csv", 2, "Telegram ID", "bad_telegram_id", {"value": "-5"})
    ]
    fixed = text.replace("-5", "777").encode("utf-8-sig")
    await turn(session, import_roster(session, data=fixed, filename="r.csv", clock=clock))
    worker = await match_roster_worker(session, employee_no=" E001 ")
    assert worker is not None and worker.employee_no == "E001" and worker.telegram_id == 777


async def test_telegram_id_of_another_worker_is_refused(session: AsyncSession, clock) -> None:
    session.add(Worker(real_name="已注册", employee_no="X9", telegram_id=123456))
    await session.commit()
    with pytest.raises(RosterRejected) as err:
        await import_roster(session, data=xlsx(GOOD), filename="roster.xlsx", clock=clock)
    assert [(e.row, e.code) for e in err.value.errors] == [(2, "telegram_id_taken")]


async def test_bot_registered_worker_is_adopted_by_telegram_id(
    session: AsyncSession, clock
) -> None:
    session.add(Worker(real_name="Zhang", telegram_id=123456))
    await session.commit()
    report = await turn(
        session, import_roster(session, data=xlsx(GOOD), filename="roster.xlsx", clock=clock)
    )
    assert (report.created, report.updated) == (2, 1)
    assert (await _workers(session))["E001"].real_name == "张三"


async def test_unknown_employee_no_matches_nobody(session: AsyncSession) -> None:
    assert await match_roster_worker(session, employee_no="nope") is None
