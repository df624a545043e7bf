"""Near-duplicate copies (重复题) imported anyway never share a paper or a practice round
(issue 23: one paper drew both versions of 'QC七大手法', with different answers)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.practice_rounds import load_candidates
from quizbank.models import Question, QuestionType
from quizbank.overlap import stem_key
from quizbank.question_draw import Candidate, CannotDraw, DrawRule, draw, draw_practice, shortfalls
from quizbank.service import import_questions
from quizbank.validation import parse_file
from tests.quizbank.bank_files import docx_bytes, write_xlsx
from tests.quizbank.test_overlap import EXCEL, HEADER, WORD
from tests.turns import turn

SINGLE, MULTIPLE = QuestionType.SINGLE, QuestionType.MULTIPLE


async def _two_banks(session: AsyncSession, tmp_path: Path) -> dict[str, str | None]:
    path = write_xlsx(tmp_path / "excel.xlsx", EXCEL, header=HEADER)
    await turn(session, import_questions(session, set_name="Excel题库", report=parse_file(path)))
    report = parse_file(docx_bytes(WORD), filename="word.docx")
    await turn(session, import_questions(session, set_name="Word题库", report=report))
    rows = await session.execute(select(Question.stem, Question.twin_key))
    return dict(rows.tuples().all())


async def test_copies_imported_anyway_share_a_twin_key(
    session: AsyncSession, tmp_path: Path
) -> None:
    keys = await _two_banks(session, tmp_path)
    assert keys["QC七大手法包括下列哪些？"] == keys["QC 七大手法包括下列哪些（ ）"]
    assert keys["PDCA循环又称戴明环。"] == keys["PDCA 循环又称“戴明环”"]
    # not the same once folded, only close: the import gave the copy the other's key
    assert keys["全国质量月始于____年。"] == keys["全国质量月开始于（ ）年。"]
    assert all(keys.values()) and len(keys) == 8 and len(set(keys.values())) == 5


async def test_no_paper_and_no_round_holds_two_copies(
    session: AsyncSession, tmp_path: Path
) -> None:
    await _two_banks(session, tmp_path)
    candidates = await load_candidates(session)
    group = {c.id: c.group for c in candidates}
    assert len(candidates) == 8 and len(set(group.values())) == 5
    rules = [DrawRule(count=1, type=MULTIPLE), DrawRule(count=4)]
    assert shortfalls(candidates, rules) == []
    for seed in range(40):
        paper = draw(candidates, rules, seed=seed)
        assert len(paper) == 5 and len({group[i] for i in paper}) == 5
        practice = draw_practice(candidates, 8, seed=seed)
        assert len(practice) == 5 and len({group[i] for i in practice}) == 5
    with pytest.raises(CannotDraw) as refused:
        draw(candidates, [DrawRule(count=2, type=MULTIPLE)], seed=1)
    assert refused.value.unmet[0].available == 1  # two copies are one question


def test_a_rule_that_copies_could_leave_short_is_refused_up_front() -> None:
    pool = [
        Candidate(1, SINGLE, group="qc"),
        Candidate(2, SINGLE, group="qc"),
        Candidate(3, SINGLE, group="iso"),
    ]
    [unmet] = shortfalls(pool, [DrawRule(count=3, type=SINGLE)])
    assert (unmet.wanted, unmet.available) == (3, 2)
    assert shortfalls(pool, [DrawRule(count=2, type=SINGLE)]) == []
    assert sorted(draw(pool, [DrawRule(count=2, type=SINGLE)], seed=7))[-1] == 3


def test_the_migration_keys_existing_questions_as_an_import_would() -> None:
    path = (
        Path(__file__).parents[2] / "storage/migrations/versions/f1a2b3c4d5e7_question_twin_key.py"
    )
    spec = importlib.util.spec_from_file_location("twin_key_migration", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    for stem in ("QC 七大手法包括下列哪些（ ）", "全国质量月始于____年。", "ＩＳＯ 9001 (  ) 是？"):
        assert migration.stem_key(stem) == stem_key(stem)
