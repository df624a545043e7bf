from datetime import datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from contest.export import display_width, export_results, neutralize_cell
from contest.models import AnswerStatus, AttemptQuestion
from quizbank.models import Question, QuestionSet, QuestionType
from tests.contest.helpers import T0, attempt, competition, team, worker
from tests.turns import turn


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

    path = await turn(
        session, export_results(session, competition_id=c.id, path=tmp_path / "out.xlsx")
    )
    book = load_workbook(path)
    assert book.sheetnames == [
        "个人排名", "团队排名", "答题明细", "题目分析", "参与率", "未参与名单", "竞赛规则",
    ]  # fmt: skip

    people = book["个人排名"]
    assert [c.value for c in people[1]] == [
        "名次", "并列", "姓名", "工号", "团队", "得分", "得分率", "答对题数", "用时(秒)",
        "完成时间", "备注",
    ]  # fmt: skip
    assert [c.value for c in people[2]] == [
        1, None, "'=cmd|' /C calc'!A0", None, "检验一班", 2, 0.6667, 0, 12.5,
        datetime(2026, 9, 1, 10, 30), None,  # 02:30 UTC shown in Asia/Shanghai
    ]  # fmt: skip
    assert people["J2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert people["C3"].value == "李四"
    assert people.column_dimensions["C"].width == display_width("=cmd|' /C calc'!A0") + 2

    teams = book["团队排名"]
    assert [c.value for c in teams[2]] == [
        1, None, "检验一班", "质量部 / 检验一班", "班组", 2, 2, 3, 0.6667, "总分",
    ]  # fmt: skip

    detail = book["答题明细"]
    assert [c.value for c in detail[2]][:12] == [
        "'=cmd|' /C calc'!A0", None, "检验一班", 1, 1, "单选", "质量月始于哪一年？",
        "A. 1960  B. 1978  C. 1988", "B", "B", "正确", 2,
    ]  # fmt: skip
    assert detail["K4"].value == "错误"
    assert detail["G3"].value == '\'=HYPERLINK("x")'
    assert detail["N2"].value == datetime(2026, 9, 1, 10, 29)

    analysis = book["题目分析"]
    assert [c.value for c in analysis[2]][1:] == [
        "单选", "质量月历史", "质量月始于哪一年？", "B", 2, 1, 0.5, "C. 1988", 1,
    ]  # fmt: skip
    assert [c.value for c in analysis[3]][5:] == [2, 1, 0.5, "错", 1]

    participation = book["参与率"]
    assert [[c.value for c in row] for row in participation.iter_rows(min_row=2)] == [
        ["质量部", "质量部", "部门", 3, 2, 0.6667],
        ["检验一班", "质量部 / 检验一班", "班组", 3, 2, 0.6667],
        ["检验二班", "质量部 / 检验二班", "班组", 0, 0, 0],
    ]
    absent = book["未参与名单"]
    assert [[c.value for c in row] for row in absent.iter_rows(min_row=2)] == [
        ["检验一班", "质量部 / 检验一班", "王五", None, "否", None],
    ]
    rules = {row[0].value: row[1].value for row in book["竞赛规则"].iter_rows(min_row=2)}
    assert rules["团队计分方式"] == "总分"
    # The bank's points decide each question's value: papers may differ, and both rows say so.
    assert rules["组卷方式"] == "随机组卷（各题分值按题库，每份总分可能不同）"
    assert rules["满分"].startswith("每份试卷可能不同")


async def test_partly_right_is_not_wrong_and_rules_read_in_chinese(
    session: AsyncSession, tmp_path
) -> None:
    qs = QuestionSet(name="题库")
    session.add(qs)
    await session.flush()
    multi = Question(set_id=qs.id, key="m", content_hash="m", type=QuestionType.MULTIPLE,
                     stem="七大手法？", options=["鱼骨图", "甘特图", "控制图"], answer=[0, 2],
                     points=2)  # fmt: skip
    session.add(multi)
    c = await competition(
        session, team={"mode": "avg_registered"}, scoring={"multiple_policy": "partial"}
    )
    w = await worker(session, "张三", await team(session, "质量部", "一班"))
    a = await attempt(session, c, w, score=1, time_s=5)
    session.add(AttemptQuestion(attempt_id=a.id, position=0, question_id=multi.id,
                                status=AnswerStatus.ANSWERED, response=[0], correct=False,
                                credit=0.5, score=1.0))  # fmt: skip
    await session.commit()
    book = load_workbook(
        await turn(session, export_results(session, competition_id=c.id, path=tmp_path / "x.xlsx"))
    )
    assert book["答题明细"]["K2"].value == "部分正确"
    assert book["团队排名"]["J2"].value == "平均分（按应参与人数）"
    rules = {row[0].value: row[1].value for row in book["竞赛规则"].iter_rows(min_row=2)}
    assert rules["多选题计分"] == "少选得部分分（50%），错选不得分"


async def test_answer_letters_are_the_ones_the_worker_saw(session: AsyncSession, tmp_path) -> None:
    """王伟 saw the options shuffled and tapped C; the sheet says C, as his review does, and
    every paper is worth the same, so the rules sheet and 得分率 use one 满分."""
    qs = QuestionSet(name="题库")
    session.add(qs)
    await session.flush()
    tools = Question(
        set_id=qs.id,
        key="q",
        content_hash="q",
        type=QuestionType.MULTIPLE,
        stem="QC七大手法包括？",
        options=["鱼骨图", "甘特图", "控制图", "排列图"],
        answer=[0, 2],
        points=2,
    )
    session.add(tools)
    c = await competition(session, composition=[{"type": "multiple", "count": 1, "points": 4}])
    w = await worker(session, "王伟", await team(session, "质量部", "一班"))
    a = await attempt(session, c, w, score=4, time_s=5)
    # Shown as A.排列图 B.鱼骨图 C.控制图 D.甘特图: the right ones are B and C on his screen.
    session.add(
        AttemptQuestion(
            attempt_id=a.id,
            position=0,
            question_id=tools.id,
            status=AnswerStatus.ANSWERED,
            response=[0, 2],
            correct=True,
            credit=1.0,
            score=4.0,
            option_order=[3, 0, 2, 1],
        )
    )
    await session.commit()
    book = load_workbook(
        await turn(
            session, export_results(session, competition_id=c.id, path=tmp_path / "seen.xlsx")
        )
    )
    detail = book["答题明细"]
    assert detail["H2"].value == "A. 排列图  B. 鱼骨图  C. 控制图  D. 甘特图"
    assert (detail["I2"].value, detail["J2"].value) == ("BC", "BC")
    assert book["题目分析"]["E2"].value == "AC"  # the bank's own letters, one row per question
    assert book["个人排名"]["G2"].value == 1
    rules = {row[0].value: row[1].value for row in book["竞赛规则"].iter_rows(min_row=2)}
    assert rules["组卷方式"] == "随机组卷（每份总分相同）"
    assert rules["满分"] == "4"
