"""Column headers: the aliases organisers' files use, and finding the header row.

Mainstream Chinese exam platforms (and the files quality departments keep) name the
columns 题型 / 题干 / 选项A… / 答案 …; English aliases serve exports from other tools.
Matching ignores case, surrounding spaces, full-width forms (NFKC) and a trailing
"(必填)"-style note or "*" marker, because templates often add them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from quizbank.models import OPTION_LETTERS

OPTION_FIELDS = tuple(f"option_{letter}" for letter in OPTION_LETTERS)
FIELDS = (
    "type",
    "stem",
    *OPTION_FIELDS,
    "answer",
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
    "explanation": "解析",
    "points": "分值",
    "difficulty": "难度",
    "category": "分类",
    "tags": "标签",
    "source": "出处",
}

_ALIASES: dict[str, tuple[str, ...]] = {
    "type": ("题型", "题目类型", "试题类型", "类型", "type", "questiontype"),
    "stem": ("题干", "题目", "试题", "题目内容", "问题", "stem", "question"),
    "answer": ("答案", "正确答案", "标准答案", "参考答案", "answer", "correctanswer"),
    "explanation": ("解析", "答案解析", "试题解析", "explanation", "analysis"),
    "points": ("分值", "分数", "points", "score"),
    "difficulty": ("难度", "难易程度", "难度等级", "difficulty", "level"),
    "category": ("分类", "知识点", "类别", "题目分类", "category"),
    "tags": ("标签", "tags", "tag"),
    "source": ("出处", "来源", "source"),
}

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
        for alias in aliases:
            lookup[normalize_header(alias)] = field
    for letter in OPTION_LETTERS:
        for alias in (f"选项{letter}", letter, f"option_{letter}", f"选项{letter}内容"):
            lookup[normalize_header(alias)] = f"option_{letter}"
    return lookup


_LOOKUP = _build_lookup()


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


def looks_like_header(mapping: dict[int, str]) -> bool:
    """At least two known columns, one of them required: a title row never passes."""
    fields = set(mapping.values())
    return len(fields) >= 2 and bool(fields & set(REQUIRED_FIELDS))


def missing_fields(fields: set[str]) -> list[str]:
    return [field for field in REQUIRED_FIELDS if field not in fields]
