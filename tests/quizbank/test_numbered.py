"""Text banks (.txt) in the numbered layout organisers type: sections, question numbers,
options, answers in every usual place, an answer key, encodings — and problems by line."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quizbank.formats import ImportRejected, RowError
from quizbank.models import Question, QuestionType
from quizbank.service import import_questions
from quizbank.validation import QuestionDraft, parse_file

SINGLE, MULTIPLE = QuestionType.SINGLE, QuestionType.MULTIPLE
TRUE_FALSE, BLANK = QuestionType.TRUE_FALSE, QuestionType.BLANK

MIXED_BANK = """\
2026年全国质量月知识竞赛题库
（质量部编，答题前请阅读竞赛规则）

一、单选题（每题1分）
1. 我国的全国质量月活动始于哪一年？（ ）
A. 1960年  B. 1978年  C. 1988年  D. 2001年
答案：B
解析：1978年9月，我国开展了第一次全国质量月活动。
2、PDCA循环中的“C”指的是（C）。
A．计划
B．执行
C．检查
D．处置
3. 质量管理体系要求的标准（ ）A.ISO 9001 B.ISO 14001 C.ISO 45001 【答案】A【解析】ISO 9001
4．排列图又称为（  ）
（A）帕累托图（B）鱼骨图
（C）直方图（D）控制图
正确答案：A
难度：易
知识点：QC七大手法

二、多选题（每题2分）
1. PDCA循环包括下列哪些阶段？（ABCD）
A、计划（P） B、执行（D） C、检查（C） D、处置（A） E、评比（E）
2. 下列属于质量管理原则的有（  ）（3分）
A.以顾客为关注焦点
B.领导作用
C.成本最低
答案：A、B
解析：ISO 9000 给出七项质量管理原则：
(1) 以顾客为关注焦点；(2) 领导作用……

三、判断题
1. 排列图用于找出影响质量的主要因素。（√）
2. 质量是检验出来的。（ × ）
3. 全国质量月每年九月开展。
答案：对

四、填空题（每题2分）
1. 全国质量月始于____年____月。
答案：1978；9
2. PDCA是指计划、____、____、处置。
答案：执行、检查
3. 质量管理体系标准 ISO（9001）规定了质量管理体系的要求。
"""


def _txt(text: str, encoding: str = "utf-8", name: str = "题库.txt") -> tuple[
    list[QuestionDraft], list[RowError]
]:  # fmt: skip
    report = parse_file(text.encode(encoding), filename=name)
    return report.drafts, report.errors


def _facts(draft: QuestionDraft) -> tuple[object, ...]:
    return draft.type, draft.stem, draft.options, draft.answer, draft.points


def _places(errors: list[RowError]) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.code) for e in errors]


def test_a_mixed_layout_bank_reads_every_question() -> None:
    drafts, errors = _txt(MIXED_BANK)
    assert errors == []
    assert [_facts(d) for d in drafts] == [
        (SINGLE, "我国的全国质量月活动始于哪一年？（ ）", ["1960年", "1978年", "1988年", "2001年"],
         [1], 1.0),
        (SINGLE, "PDCA循环中的“C”指的是（  ）。", ["计划", "执行", "检查", "处置"], [2], 1.0),
        (SINGLE, "质量管理体系要求的标准（ ）", ["ISO 9001", "ISO 14001", "ISO 45001"], [0],
         1.0),
        (SINGLE, "排列图又称为（  ）", ["帕累托图", "鱼骨图", "直方图", "控制图"], [0], 1.0),
        (MULTIPLE, "PDCA循环包括下列哪些阶段？（  ）",
         ["计划（P）", "执行（D）", "检查（C）", "处置（A）", "评比（E）"], [0, 1, 2, 3], 2.0),
        (MULTIPLE, "下列属于质量管理原则的有（  ）", ["以顾客为关注焦点", "领导作用", "成本最低"],
         [0, 1], 3.0),
        (TRUE_FALSE, "排列图用于找出影响质量的主要因素。", [], [True], 1.0),
        (TRUE_FALSE, "质量是检验出来的。", [], [False], 1.0),
        (TRUE_FALSE, "全国质量月每年九月开展。", [], [True], 1.0),
        (BLANK, "全国质量月始于____年____月。", [], [["1978"], ["9"]], 2.0),
        (BLANK, "PDCA是指计划、____、____、处置。", [], [["执行"], ["检查"]], 2.0),
        (BLANK, "质量管理体系标准 ISO（  ）规定了质量管理体系的要求。", [], [["9001"]], 2.0),
    ]  # fmt: skip
    assert drafts[0].explanation == "1978年9月，我国开展了第一次全国质量月活动。"
    assert drafts[2].explanation == "ISO 9001"
    assert (drafts[3].difficulty, drafts[3].category) == (1, "QC七大手法")
    assert drafts[5].explanation == (
        "ISO 9000 给出七项质量管理原则：\n(1) 以顾客为关注焦点；(2) 领导作用……"
    )
    assert [d.row for d in drafts[:4]] == [5, 9, 14, 15]
    assert all(d.sheet == "题库.txt" for d in drafts)


def test_an_answer_key_at_the_end_is_matched_by_section_and_number() -> None:
    text = """一、单选题
1. 全国质量月始于哪一年？
A.1960年 B.1978年
2. PDCA由谁推广？
A.戴明 B.朱兰
二、判断题
1. 质量是检验出来的。
2. 排列图用于找出主要因素。
三、填空题
1. 质量管理体系标准是 ISO ____。
参考答案
一、单选题
1.B 2.A
二、判断题：1.× 2.√
三、1. 9001|ISO 9001 解析：ISO 9001 规定质量管理体系要求。
"""
    drafts, errors = _txt(text)
    assert errors == []
    assert [(d.type, d.answer) for d in drafts] == [
        (SINGLE, [1]), (SINGLE, [0]), (TRUE_FALSE, [False]), (TRUE_FALSE, [True]),
        (BLANK, [["9001", "ISO 9001"]]),
    ]  # fmt: skip
    assert drafts[4].explanation == "ISO 9001 规定质量管理体系要求。"


def test_a_plain_key_with_ranges_fills_questions_in_order() -> None:
    questions = "\n".join(f"{n}. 第{n}题？\nA.甲 B.乙 C.丙 D.丁" for n in range(1, 8))
    text = questions + "\n参考答案：1-5 BCADB 6.AC 7、D\n"
    drafts, errors = _txt(text)
    assert errors == []
    assert [d.answer for d in drafts] == [[1], [2], [0], [3], [1], [0, 2], [3]]
    assert [d.type for d in drafts] == [SINGLE] * 5 + [MULTIPLE, SINGLE]


def test_answer_key_problems_are_reported_at_the_key_line() -> None:
    text = """1. 甲？
A.1 B.2
答案：A
2. 乙？
A.1 B.2
参考答案
1.B 2.A 5.B
1-3 AB
"""
    drafts, errors = _txt(text)
    assert _places(errors) == [
        (7, "答案", "key_conflict"),
        (7, "答案", "key_unknown_question"),
        (8, "答案", "key_range_mismatch"),
    ]
    assert errors[0].params == {"number": 1, "key": "B", "answer": "A"}
    assert errors[0].describe("zh") == (
        "文件 题库.txt 第7行 [答案]: 答案表中第1题的答案“B”与题目中写的“A”不一致"
    )
    assert errors[0].describe("en").startswith("File 题库.txt line 7 [答案]: ")
    assert [d.stem for d in drafts] == ["乙？"]


def test_full_width_digits_letters_and_punctuation() -> None:
    text = (
        "一．单项选择题（每小题１.５分）\n１．质量月在几月？（　　）\nＡ．八月　Ｂ．九月\n"
        "【答案】Ｂ"
    )
    drafts, errors = _txt(text)
    assert errors == []
    assert _facts(drafts[0]) == (SINGLE, "质量月在几月？（　　）", ["八月", "九月"], [1], 1.5)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_text_encodings_are_detected(encoding: str) -> None:
    drafts, errors = _txt(MIXED_BANK, encoding=encoding)
    assert errors == [] and len(drafts) == 12
    assert drafts[0].stem == "我国的全国质量月活动始于哪一年？（ ）"


def test_big5_text_is_read_by_the_charset_guess() -> None:
    text = "一、判斷題\n" + "".join(f"{n}. 品質管理是全員參與的持續改進活動之{n}。（√）\n"
                                   for n in range(1, 6))  # fmt: skip
    drafts, errors = _txt(text, encoding="big5")
    assert errors == [] and len(drafts) == 5 and drafts[0].stem.startswith("品質管理")


def test_numbering_styles_and_inferred_types_without_headings() -> None:
    text = """(1) 质量月始于哪年？ A.1960 B.1978 答案：B
(2) 下列属于QC手法的有？ A.排列图 B.因果图 C.头脑风暴 答案：AB
(3) 质量是检验出来的。×
(4) 全国质量月始于____年。 答案：1978
"""
    drafts, errors = _txt(text)
    assert errors == []
    assert [(d.type, d.answer) for d in drafts] == [
        (SINGLE, [1]), (MULTIPLE, [0, 1]), (TRUE_FALSE, [False]), (BLANK, [["1978"]])
    ]  # fmt: skip


@pytest.mark.parametrize("number", ["①", "第1题", "1)", "1．", "（1）"])
def test_question_number_styles(number: str) -> None:
    drafts, errors = _txt(f"{number} 质量月在几月？\nA.八月 B.九月\n答案：B\n")
    assert errors == [] and drafts[0].stem == "质量月在几月？"


def test_true_false_written_with_options_reads_as_true_false() -> None:
    text = "三、判断题\n1. 质量是检验出来的。\nA.正确 B.错误\n答案：B\n"
    drafts, errors = _txt(text)
    assert errors == []
    assert (drafts[0].type, drafts[0].options, drafts[0].answer) == (TRUE_FALSE, [], [False])


def test_explanations_that_quote_numbers_and_options_stay_explanations() -> None:
    text = """1. 质量月在几月？
A.八月 B.九月
答案：B
解析：A. 八月是错误的，原因有二：
1、当年九月开展；
3、5、7月都不是。
2. 排列图用于找出主要因素。（√）
"""
    drafts, errors = _txt(text)
    assert errors == [] and len(drafts) == 2
    assert drafts[0].explanation.splitlines() == [
        "A. 八月是错误的，原因有二：", "1、当年九月开展；", "3、5、7月都不是。"
    ]  # fmt: skip


def test_malformed_questions_are_reported_by_line() -> None:
    text = """说明：请认真作答
A. 没有题干的选项
一、单选题
1. 质量月在几月？
A.八月 B.九月
答案：C
2. 没有选项的题？
答案：A
3. 排列图又称为？
A.帕累托图 B.鱼骨图
A.直方图
4.
A.甲 B.乙
答案：A
二、简答题
1. 简述PDCA循环。
答案：计划、执行、检查、处置。
"""
    _, errors = _txt(text)
    assert _places(errors) == [
        (2, "选项A", "option_outside_question"),
        (6, "答案", "answer_not_in_options"),
        (7, "选项A", "too_few_options"),
        (8, "答案", "answer_not_in_options"),
        (9, "答案", "empty_answer"),
        (11, "选项A", "repeated_option"),
        (12, "题干", "empty_stem"),
        (16, "题型", "unknown_type"),
    ]
    assert errors[-1].params == {"value": "简答题"}
    assert errors[1].describe("zh") == "文件 题库.txt 第6行 [答案]: 答案“C”不在选项中（可选：AB）"


def test_a_text_without_numbered_questions_says_so() -> None:
    _, errors = _txt("这是一份会议通知。\n请各班组按时参加。\n")
    assert _places(errors) == [(0, "", "no_numbered_questions")]


def test_undecodable_text_reports_the_byte() -> None:
    data = "1. 质量月？".encode() + b"\xff\xfe\xfa\xfb" * 3
    errors = parse_file(data, filename="b.txt").errors
    assert [e.code for e in errors] in (["cannot_decode_text"], ["no_numbered_questions"])


async def test_a_bad_text_bank_imports_nothing(session: AsyncSession) -> None:
    text = MIXED_BANK + "五、单选题\n1. 坏题？\nA.甲 B.乙\n答案：E\n"
    report = parse_file(text.encode(), filename="题库.txt")
    assert len(report.drafts) == 12 and _places(report.errors) == [
        (48, "答案", "answer_not_in_options")
    ]
    with pytest.raises(ImportRejected) as rejected:
        await import_questions(session, report=report, set_name="质量月")
    assert rejected.value.errors == report.errors
    assert await session.scalar(select(func.count()).select_from(Question)) == 0


def test_category_headings_restart_the_numbers_under_the_same_type() -> None:
    text = """一、单选题（每题2分）
（一）质量月历史
1. 质量月始于哪年？
A.1960 B.1978
2. 第一次质量月由谁组织？
A.国家经委 B.行业协会
（二）PDCA
1. PDCA中的P是？
A.计划 B.执行
二、填空题
1. 3加5的两个加数是____和____。
答案：3、5
参考答案
一、1.B 2.A 1.A
"""
    drafts, errors = _txt(text)
    assert errors == []
    assert [(d.type, d.answer, d.category, d.points) for d in drafts] == [
        (SINGLE, [1], "质量月历史", 2.0), (SINGLE, [0], "质量月历史", 2.0),
        (SINGLE, [0], "PDCA", 2.0), (BLANK, [["3"], ["5"]], "", 2.0),
    ]  # fmt: skip
