"""Import, re-import, export round trip, statistics — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quizbank.formats import ImportRejected
from quizbank.models import Question, QuestionSet, QuestionType
from quizbank.service import (
    SetNotFound,
    bank_stats,
    demo_bank_path,
    export_bank,
    import_questions,
    list_sets,
    validate_file,
)
from quizbank.validation import ValidationReport, parse_file
from tests.conftest import MovableClock
from tests.quizbank.bank_files import good_rows, row, write_xlsx
from tests.turns import turn


def _xlsx(tmp_path: Path, rows: list[list[Any]], name: str = "bank.xlsx") -> ValidationReport:
    return parse_file(write_xlsx(tmp_path / name, rows))


async def _questions(session: AsyncSession) -> list[Question]:
    session.expunge_all()
    result = await session.scalars(select(Question).order_by(Question.position, Question.id))
    return list(result)


async def _count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_import_creates_the_set_and_its_questions(
    session: AsyncSession, tmp_path: Path, clock: MovableClock
) -> None:
    report = _xlsx(tmp_path, good_rows())
    result = await turn(
        session,
        import_questions(
            session, report=report, set_name="质量月", uploaded_by="admin", clock=clock
        ),
    )
    assert (result.created, result.updated, result.unchanged, result.version) == (4, 0, 0, 1)
    qset = await session.get(QuestionSet, result.set_id)
    assert qset is not None
    assert (qset.uploaded_by, qset.uploaded_at, qset.checksum) == (
        "admin",
        clock.now,
        report.checksum,
    )
    assert qset.source_filename == "bank.xlsx"
    stored = await _questions(session)
    assert [q.type for q in stored] == [QuestionType.SINGLE, QuestionType.MULTIPLE,
                                        QuestionType.TRUE_FALSE, QuestionType.BLANK]  # fmt: skip
    assert stored[3].answer == [["1978", "1978年"]]
    assert stored[0].tags == ["历史", "质量月"] and stored[0].created_at == clock.now


async def test_any_error_rejects_the_whole_file_and_writes_nothing(
    session: AsyncSession, tmp_path: Path
) -> None:
    await turn(
        session, import_questions(session, report=_xlsx(tmp_path, good_rows()[:2]), set_name="s")
    )
    rows = [*good_rows(), row(type="单选", stem="坏题", A="甲", B="乙", answer="C")]
    report = _xlsx(tmp_path, rows, "bad.xlsx")
    with pytest.raises(ImportRejected) as caught:
        await import_questions(session, report=report, set_name="s")
    assert [(e.row, e.column, e.code) for e in caught.value.errors] == [
        (6, "答案", "answer_not_in_options")
    ]
    with pytest.raises(ImportRejected):
        await import_questions(session, report=report, set_name="新题库")
    assert await _count(session, Question) == 2
    assert [s.name for s in await list_sets(session)] == ["s"]
    assert (await list_sets(session))[0].version == 1


async def test_skip_invalid_imports_the_valid_rows_and_reports_the_rest(
    session: AsyncSession, tmp_path: Path
) -> None:
    rows = [*good_rows(), row(type="单选", stem="", A="甲", B="乙", answer="A")]
    result = await turn(
        session,
        import_questions(session, report=_xlsx(tmp_path, rows), set_name="s", skip_invalid=True),
    )
    assert result.created == 4
    assert [(e.row, e.code) for e in result.skipped_errors] == [(6, "empty_stem")]
    assert await _count(session, Question) == 4


async def test_skip_invalid_with_nothing_valid_is_still_rejected(
    session: AsyncSession, tmp_path: Path
) -> None:
    report = _xlsx(tmp_path, [row(type="问答", stem="x", answer="A")])
    with pytest.raises(ImportRejected):
        await import_questions(session, report=report, set_name="s", skip_invalid=True)
    assert await _count(session, QuestionSet) == 0


async def test_reimporting_the_same_file_changes_nothing(
    session: AsyncSession, tmp_path: Path
) -> None:
    report = _xlsx(tmp_path, good_rows())
    first = await turn(session, import_questions(session, report=report, set_name="s"))
    ids = [q.id for q in await _questions(session)]
    again = await turn(session, import_questions(session, report=report, set_name="s"))
    assert (again.created, again.updated, again.unchanged, again.version) == (0, 0, 4, 1)
    assert again.set_id == first.set_id
    assert [q.id for q in await _questions(session)] == ids


async def test_reimporting_an_updated_file_updates_in_place_and_bumps_the_version(
    session: AsyncSession, tmp_path: Path, clock: MovableClock
) -> None:
    await turn(
        session,
        import_questions(session, report=_xlsx(tmp_path, good_rows()), set_name="s", clock=clock),
    )
    before = {q.key: q.id for q in await _questions(session)}
    rows = good_rows()
    rows[0][7] = "修订后的解析"  # edit the explanation of the first question
    rows[1][6] = "ABC"  # and the answer of the second
    del rows[2]  # drop the true/false question
    rows.append(row(type="判断", stem="PDCA 是戴明环。", answer="√"))
    clock.advance(hours=1)
    result = await turn(
        session,
        import_questions(
            session, report=_xlsx(tmp_path, rows, "v2.xlsx"), set_name="s", clock=clock
        ),
    )
    assert (result.created, result.updated, result.unchanged, result.deactivated) == (1, 2, 1, 1)
    assert result.version == 2
    stored = await _questions(session)
    assert len(stored) == 5  # four kept or retired, one new: no duplicates
    by_key = {q.key: q for q in stored}
    assert all(by_key[key].id == qid for key, qid in before.items())
    active = [q for q in stored if q.active]
    assert [q.stem for q in active][:2] == ["全国质量月始于哪一年？", "PDCA包括哪些阶段？"]
    assert active[0].explanation == "修订后的解析" and active[0].updated_at == clock.now
    assert active[1].answer == [0, 1, 2]
    retired = [q for q in stored if not q.active]
    assert [q.stem for q in retired] == ["排列图用于找出主要因素。"]


async def test_a_retired_question_comes_back_with_its_id(
    session: AsyncSession, tmp_path: Path
) -> None:
    await turn(
        session, import_questions(session, report=_xlsx(tmp_path, good_rows()), set_name="s")
    )
    ids = [q.id for q in await _questions(session)]
    await turn(
        session,
        import_questions(session, report=_xlsx(tmp_path, good_rows()[:1], "a.xlsx"), set_name="s"),
    )
    result = await turn(
        session, import_questions(session, report=_xlsx(tmp_path, good_rows()), set_name="s")
    )
    assert (result.updated, result.version) == (3, 3)
    stored = await _questions(session)
    assert [q.id for q in stored] == ids and all(q.active for q in stored)


@pytest.mark.parametrize("extension", [".xlsx", ".csv", ".json"])
async def test_export_then_import_gives_the_same_bank(
    session: AsyncSession, tmp_path: Path, extension: str
) -> None:
    report = parse_file(demo_bank_path())
    await turn(session, import_questions(session, report=report, set_name="demo"))
    await turn(
        session, import_questions(session, report=_xlsx(tmp_path, good_rows()), set_name="other")
    )
    out = tmp_path / f"demo{extension}"
    assert await export_bank(session, path=out, set_name="demo") == len(report.drafts)
    exported = await validate_file(out)
    assert exported.errors == []
    assert [d.content_hash for d in exported.drafts] == [d.content_hash for d in report.drafts]
    result = await turn(session, import_questions(session, report=exported, set_name="demo"))
    assert (result.unchanged, result.created, result.updated) == (len(report.drafts), 0, 0)
    copy = await turn(session, import_questions(session, report=exported, set_name="copy"))
    assert copy.created == len(report.drafts)


async def test_export_of_every_set_puts_each_on_its_own_sheet(
    session: AsyncSession, tmp_path: Path
) -> None:
    await turn(
        session, import_questions(session, report=_xlsx(tmp_path, good_rows()[:2]), set_name="甲")
    )
    await turn(
        session, import_questions(session, report=_xlsx(tmp_path, good_rows()[2:]), set_name="乙")
    )
    assert await export_bank(session, path=tmp_path / "all.xlsx") == 4
    report = parse_file(tmp_path / "all.xlsx")
    assert sorted({d.sheet for d in report.drafts}) == ["乙", "甲"]


async def test_export_of_an_unknown_set_is_refused(session: AsyncSession, tmp_path: Path) -> None:
    with pytest.raises(SetNotFound):
        await export_bank(session, path=tmp_path / "x.xlsx", set_name="无")


async def test_stats_count_active_questions(session: AsyncSession, tmp_path: Path) -> None:
    await turn(
        session, import_questions(session, report=_xlsx(tmp_path, good_rows()), set_name="甲")
    )
    await turn(
        session,
        import_questions(session, report=_xlsx(tmp_path, good_rows()[:1], "b.xlsx"), set_name="乙"),
    )
    stats = await bank_stats(session)
    assert stats.total == 5
    assert stats.by_set == {"甲": 4, "乙": 1}
    assert stats.by_type == {"single": 2, "multiple": 1, "true_false": 1, "blank": 1}
    assert stats.by_category == {"质量月历史": 3, "PDCA": 1, "QC七大手法": 1}
    assert stats.by_difficulty == {1: 3, 2: 1, 3: 1}
    assert (await bank_stats(session, set_name="乙")).total == 1
    summaries = await list_sets(session)
    assert [(s.name, s.question_count, s.version) for s in summaries] == [
        ("乙", 1, 1),
        ("甲", 4, 1),
    ]


async def test_validate_file_accepts_uploaded_bytes(tmp_path: Path) -> None:
    data = write_xlsx(tmp_path / "bank.xlsx", good_rows()).read_bytes()
    report = await validate_file(data, filename="上传.xlsx")
    assert report.ok and len(report.drafts) == 4 and report.filename == "上传.xlsx"


def test_demo_bank_validates_with_every_type() -> None:
    report = parse_file(demo_bank_path())
    assert report.errors == []
    assert len(report.drafts) >= 60
    assert set(report.by_type) == {t.value for t in QuestionType}
    assert report.name
    assert all(d.explanation for d in report.drafts)


async def test_demo_bank_imports(session: AsyncSession) -> None:
    report = await validate_file(demo_bank_path())
    result = await turn(
        session, import_questions(session, report=report, set_name=report.name or "demo")
    )
    assert result.created == len(report.drafts) >= 60
