"""Column headers: the aliases organisers' files use, and finding the header row.

Mainstream Chinese exam platforms (and the files quality departments keep) name the
columns 题型 / 题干 / 选项A… / 答案 …; English aliases serve exports from other tools.
Matching ignores case, surrounding spaces, full-width forms (NFKC) and a trailing
"(必填)"-style note or "*" marker, because templates often add them.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence

from quizbank.models import OPTION_LETTERS

OPTION_FIELDS = tuple(f"option_{letter}" for letter in OPTION_LETTERS)
OPTIONS_CELL = "options"
"""A column holding every option in one cell ("A.… B.…" or one per line)."""
FIELDS = (
    "type",
    "stem",
    *OPTION_FIELDS,
    "answer",
    "alternatives",
    "explanation",
    "points",
    "difficulty",
    "category",
    "tags",
    "source",
)
REQUIRED_FIELDS = ("type", "stem", "answer")

# The header written by export and the template, and named in errors about a field.
CANONICAL_HEADERS: dict[str, str] = {
    "type": "题型",
    "stem": "题干",
    **{f"option_{letter}": f"选项{letter}" for letter in OPTION_LETTERS},
    "answer": "答案",
    "alternatives": "可接受答案",
    "explanation": "解析",
    "points": "分值",
    "difficulty": "难度",
    "category": "分类",
    "tags": "标签",
    "source": "出处",
}

# Exports of the exam platforms organisers come from name the same columns with
# 试题/题目 + 类型/内容, 标准答案/参考答案, 试题解析, 试题分值, 难易程度, 所属分类 …
# One line a field: the header spellings that mean it, separated by spaces.
_ALIASES: dict[str, str] = {
    "type": "题型 题目类型 试题类型 类型 题型名称 试题题型 type questiontype",
    "stem": (
        "题干 题目 试题 题目内容 试题内容 题干内容 问题 问题内容 题目名称 试题题干 题目题干 "
        "stem question content"
    ),
    "answer": "答案 正确答案 标准答案 参考答案 正确选项 试题答案 题目答案 answer correctanswer",
    # 填空题: other spellings that also score (戴明环 beside 戴明). Not 备选答案: exam
    # platforms use that word for a choice question's options.
    "alternatives": (
        "可接受答案 其他答案 其它答案 同义答案 等效答案 也可答 答案备选 "
        "alternatives acceptedanswers accepted"
    ),
    "explanation": "解析 答案解析 试题解析 题目解析 解题思路 答案说明 explanation analysis",
    "points": "分值 分数 试题分值 题目分值 每题分值 得分 points score",
    "difficulty": "难度 难易程度 难度等级 难易度 试题难度 题目难度 difficulty level",
    "category": (
        "分类 知识点 类别 题目分类 试题分类 所属分类 所属知识点 章节 所属章节 专业 category chapter"
    ),
    "tags": "标签 关键词 tags tag",
    "source": "出处 来源 依据 出题依据 source",
    OPTIONS_CELL: "选项 选项内容 备选项 备选答案 答案选项 options choices",
}

# Numbered option columns (选项1…8, 选项一…, 选项Ⅰ…) name the options in letter order.
_OPTION_NUMBERS = (
    [str(n) for n in range(1, len(OPTION_LETTERS) + 1)],
    list("一二三四五六七八"),
    ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"],
)
# Columns exports carry that mean nothing to a question: ignored without a notice.
_QUIET_COLUMNS = ("序号", "题号", "编号", "试题编号", "题目编号", "id", "no")

HEADER_SEARCH_ROWS = 10
"""How many rows at the top of a sheet may hold a title before the header row."""

_NOTE = re.compile(r"\(.*?\)$|\*+$")
_SPACES = re.compile(r"[\s_\-]+")


def normalize_header(text: object) -> str:
    """The comparable form of a header cell: NFKC, case-folded, no spaces or notes."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text)).strip()
    value = _NOTE.sub("", value).strip()
    return _SPACES.sub("", value).casefold()


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for field, aliases in _ALIASES.items():
        for alias in aliases.split():
            lookup[normalize_header(alias)] = field
    for index, letter in enumerate(OPTION_LETTERS):
        numbers = [names[index] for names in _OPTION_NUMBERS]
        for alias in (
            f"选项{letter}",
            letter,
            f"option_{letter}",
            f"选项{letter}内容",
            *(f"选项{n}" for n in numbers),
            f"option{index + 1}",
        ):
            lookup[normalize_header(alias)] = f"option_{letter}"
    return lookup


_LOOKUP = _build_lookup()
_QUIET = {normalize_header(name) for name in _QUIET_COLUMNS}
# difflib ratio: "答案解释" vs "答案解析" is 0.75, unrelated headers stay below 0.5.
_SUGGEST_CUTOFF = 0.6


def field_for(header: object) -> str | None:
    """The field a header names, or None for a column we ignore."""
    return _LOOKUP.get(normalize_header(header))


def map_header(cells: Sequence[object]) -> dict[int, str]:
    """Column index → field for one row; the first column naming a field wins."""
    mapping: dict[int, str] = {}
    seen: set[str] = set()
    for index, cell in enumerate(cells):
        field = field_for(cell)
        if field is not None and field not in seen:
            mapping[index] = field
            seen.add(field)
    return mapping


def field_label(field: str) -> str:
    """How a report names a field: the template's header ("选项" for the one-cell column)."""
    return CANONICAL_HEADERS.get(field, "选项")


def suggest_field(header: object) -> str | None:
    """The known column an unknown header most resembles ("答案解释" → "解析"), if any."""
    key = normalize_header(header)
    close = difflib.get_close_matches(key, list(_LOOKUP), n=1, cutoff=_SUGGEST_CUTOFF)
    return field_label(_LOOKUP[close[0]]) if close else None


def ignored_columns(cells: Sequence[object], mapping: dict[int, str]) -> list[tuple[int, str]]:
    """(index, header) of every named column the mapping leaves out, quiet ones excepted."""
    ignored = []
    for index, cell in enumerate(cells):
        text = "" if cell is None else str(cell).strip()
        if text and index not in mapping and normalize_header(text) not in _QUIET:
            ignored.append((index, text))
    return ignored


def looks_like_header(mapping: dict[int, str]) -> bool:
    """At least two known columns, one of them required: a title row never passes."""
    fields = set(mapping.values())
    return len(fields) >= 2 and bool(fields & set(REQUIRED_FIELDS))


def missing_fields(fields: set[str]) -> list[str]:
    return [field for field in REQUIRED_FIELDS if field not in fields]
