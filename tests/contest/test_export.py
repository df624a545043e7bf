from datetime import datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from contest.export import display_width, export_results, neutralize_cell
from contest.models import AnswerStatus, AttemptQuestion
from quizbank.models import Question, QuestionSet, QuestionType
from tests.contest.helpers import T0, attempt, competition, team, worker


def test_neutralize_cell_prefixes_formula_starts() -> None:
    for text in ("=1+1", "+86", "-5", "@SUM(A1)", "\tx", "\rx"):
        assert neutralize_cell(text) == "'" + text
    assert neutralize_cell("质量") == "质量"
    assert neutralize_cell(-5) == -5


def test_display_width_counts_cjk_as_two() -> None:
    assert display_width("质量ab") == 6


async def test_export_workbook_cell_by_cell(session: AsyncSession, tmp_path) -> None:
    qs = QuestionSet(name="题库")
    session.add(qs)
    await session.flush()
    single = Question(set_id=qs.id, key="s", content_hash="s", type=QuestionType.SINGLE,
                      stem="质量月始于哪一年？", options=["1960", "1978", "1988"], answer=[1],
                      category="质量月历史", points=2)  # fmt: skip
    truth = Question(set_id=qs.id, key="t", content_hash="t", type=QuestionType.TRUE_FALSE,
                     stem="=HYPERLINK(\"x\")", answer=[True], category="PDCA")  # fmt: skip
    session.add_all([single, truth])
    c = await competition(session, team={"mode": "sum"})
    group = await team(session, "质量部", "检验一班")
    await team(session, "质量部", "检验二班")  # registered nobody: 0 %
    alice = await worker(session, "=cmd|' /C calc'!A0", group)
    bob = await worker(session, "李四", group)
    await worker(session, "王五", group)  # registered, did not take part
    a1 = await attempt(session, c, alice, score=2, time_s=12.5, finished_min=150)  # 10:30 CST
    a2 = await attempt(session, c, bob, score=0, time_s=20, finished_min=160)
    answered = T0 + timedelta(minutes=149)
    rows = [
        (a1, 0, single, 1, True, 2.0), (a1, 1, truth, True, True, 1.0),
        (a2, 0, single, 2, False, 0.0), (a2, 1, truth, False, False, 0.0),
    ]  # fmt: skip
    for att, pos, q, response, correct, points in rows:
        session.add(AttemptQuestion(attempt_id=att.id, position=pos, question_id=q.id,
                                    status=AnswerStatus.ANSWERED, response=response,
                                    correct=correct, score=points, elapsed_ms=6000,
                                    answered_at=answered))  # fmt: skip
    await session.commit()

    path = await export_results(session, competition_id=c.id, path=tmp_path / "out.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["个人排名", "团队排名", "答题明细", "题目分析", "参与率"]

    people = book["个人排名"]
    assert [c.value for c in people[1]] == [
        "名次", "姓名", "工号", "团队", "得分", "答对题数", "用时(秒)", "完成时间",
    ]  # fmt: skip
    assert [c.value for c in people[2]] == [
        1, "'=cmd|' /C calc'!A0", None, "质量部 / 检验一班", 2, 0, 12.5,
        datetime(2026, 9, 1, 10, 30),  # 02:30 UTC shown in Asia/Shanghai
    ]  # fmt: skip
    assert people["H2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert people["B3"].value == "李四"
    assert people.column_dimensions["D"].width == display_width("质量部 / 检验一班") + 2

    teams = book["团队排名"]
    assert [c.value for c in teams[2]] == [1, "质量部 / 检验一班", "班组", 2, 2, 3, 0.6667, "sum"]

    detail = book["答题明细"]
    assert [c.value for c in detail[2]][:11] == [
        "'=cmd|' /C calc'!A0", None, "质量部 / 检验一班", 1, 1, "单选", "质量月始于哪一年？",
        "B", "B", "是", 2,
    ]  # fmt: skip
    assert detail["G3"].value == '\'=HYPERLINK("x")'
    assert detail["M2"].value == datetime(2026, 9, 1, 10, 29)

    analysis = book["题目分析"]
    assert [c.value for c in analysis[2]][1:] == [
        "单选", "质量月历史", "质量月始于哪一年？", "B", 2, 1, 0.5, "C. 1988", 1,
    ]  # fmt: skip
    assert [c.value for c in analysis[3]][5:] == [2, 1, 0.5, "错", 1]

    participation = book["参与率"]
    assert [[c.value for c in row] for row in participation.iter_rows(min_row=2)] == [
        ["质量部", "部门", 3, 2, 0.6667],
        ["质量部 / 检验一班", "班组", 3, 2, 0.6667],
        ["质量部 / 检验二班", "班组", 0, 0, 0],
    ]
