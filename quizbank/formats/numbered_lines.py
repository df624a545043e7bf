"""What one line of a numbered bank (Word or text) is: a heading, a question, a label…

Each function looks at one line and answers None when the line is not of its kind, so
the reader (``numbered``) can try them in order. Patterns accept the half- and
full-width punctuation both (1. 1． 1、 (1) （1） ①, 答案: 答案：【答案】) because banks are
typed by hand on Chinese input methods; the text itself is kept exactly as written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from quizbank.formats.values import TYPE_LABELS
from quizbank.models import QuestionType

_CN_DIGITS = "一二三四五六七八九十"

# --- section headings: 一、单选题（每题1分） / 第二部分 判断题 / （三）填空题 / 多选题 ---------

_NUMBERED_HEADING = re.compile(
    rf"^(?:第\s*)?(?P<n>[{_CN_DIGITS}]{{1,3}})\s*(?:部分|大题)?\s*[、.．,，:：\s]\s*(?P<title>\S.*)$"
    rf"|^[(（]\s*(?P<n2>[{_CN_DIGITS}]{{1,3}})\s*[)）]\s*(?P<title2>\S.*)$"
)
# A key's section may be named by its numeral alone: "一、1.B 2.C".
_ORDINAL_ONLY = re.compile(
    rf"^[(（]?\s*(?:第\s*)?(?P<n>[{_CN_DIGITS}]{{1,3}})\s*(?:部分|大题)?\s*[)）]?\s*[、.．,，:：]?$"
)
_KIND_WORD = re.compile(
    r"(单项选择|单选|多项选择|多选|不定项选择|不定项|判断|是非|对错|填空|选择"
    r"|简答|问答|论述|计算|案例分析|名词解释|综合)题?"
)
_KIND_TYPES = {
    "单项选择": QuestionType.SINGLE,
    "单选": QuestionType.SINGLE,
    "多项选择": QuestionType.MULTIPLE,
    "多选": QuestionType.MULTIPLE,
    "不定项选择": QuestionType.MULTIPLE,
    "不定项": QuestionType.MULTIPLE,
    "判断": QuestionType.TRUE_FALSE,
    "是非": QuestionType.TRUE_FALSE,
    "对错": QuestionType.TRUE_FALSE,
    "填空": QuestionType.BLANK,
}
# A bare type line ("单选题" / "判断题（每题1分）:") heads a section too.
_BARE_KIND = re.compile(
    r"^(?P<title>" + _KIND_WORD.pattern + r"\s*(?:[(（][^)）]*[)）])?)\s*[:：]?$"
)
_EACH_POINTS = re.compile(r"每(?:小)?题\s*(?P<points>\d+(?:\.\d+)?)\s*分")
_TITLE_LIMIT = 30  # longer un-typed "一、…" lines are text, not category headings


@dataclass(frozen=True, slots=True)
class Heading:
    """A section heading: the type label it sets ("" for 选择题: decided per question),
    the points of each question, or — naming no type — the category of its questions."""

    title: str
    type: str | None
    points: str | None
    category: str | None
    ordinal: int | None = None  # 一 → 1: how an answer key may name the section


def heading(text: str) -> Heading | None:
    match = _NUMBERED_HEADING.match(text) or _BARE_KIND.match(text)
    if match is None:
        return None
    groups = match.groupdict()
    title = (groups.get("title") or groups.get("title2") or "").strip()
    ordinal = _chinese_number(groups.get("n") or groups.get("n2") or "")
    kind = _KIND_WORD.search(title)
    points = _EACH_POINTS.search(title)
    if kind is None and points is None:
        if len(title) > _TITLE_LIMIT or re.search(r"[？?_（(]", title):
            return None
        return Heading(title, None, None, title.rstrip("：:"), ordinal)
    label = _kind_label(kind.group(1)) if kind else None
    return Heading(title, label, points.group("points") if points else None, None, ordinal)


def ordinal_heading(text: str) -> Heading | None:
    """ "一、" alone (in an answer key): the first section, whatever its title."""
    match = _ORDINAL_ONLY.match(text)
    return Heading("", None, None, None, _chinese_number(match.group("n"))) if match else None


def _chinese_number(text: str) -> int | None:
    """一 … 九十九 (headings never go further)."""
    if not text:
        return None
    tens, _, ones = text.rpartition("十") if "十" in text else ("", "", text)
    value = (_CN_DIGITS.index(tens) + 1 if tens else 1) * 10 if "十" in text else 0
    return value + (_CN_DIGITS.index(ones) + 1 if ones else 0)


def _kind_label(word: str) -> str:
    """The type cell for a heading's word: "单选题"; "" for 选择题; 简答题 as written (refused)."""
    if word == "选择":
        return ""
    found = _KIND_TYPES.get(word)
    return TYPE_LABELS[found] if found else f"{word}题"


def kind_of_title(title: str) -> str | None:
    kind = _KIND_WORD.search(title)
    return _kind_label(kind.group(1)) if kind else None


# --- labelled lines: 答案：B / 【答案】B / 解析：… / 难度：易 -------------------------------

_LABELS = {
    "answer": ("答案", "正确答案", "参考答案", "标准答案"),
    "alternatives": ("可接受答案", "其他答案", "其它答案", "同义答案", "等效答案", "也可答"),
    "explanation": ("解析", "答案解析", "试题解析", "解答", "分析", "答案分析"),
    "points": ("分值", "分数"),
    "difficulty": ("难度", "难易程度"),
    "category": ("分类", "知识点", "章节", "考点"),
    "tags": ("标签", "关键词"),
    "source": ("出处", "来源", "依据"),
    "type": ("题型",),
}
_LABEL_FIELD = {word: field for field, words in _LABELS.items() for word in words}
_WORDS = "|".join(sorted(_LABEL_FIELD, key=len, reverse=True))
_BRACKETED = rf"[【\[]\s*(?P<b>{_WORDS})\s*[】\]]\s*[:：]?"
_COLON = rf"(?P<c>{_WORDS})\s*[:：]"
_LEADING_LABEL = re.compile(rf"^\s*(?:{_BRACKETED}|{_COLON})\s*")
# Later on a line: a bracketed label anywhere, a "答案：" only after a space or a full stop.
_LATER_LABEL = re.compile(rf"{_BRACKETED}|(?:(?<=\s)|(?<=[。.！!？?）)]))\s*{_COLON}")


def _field(match: re.Match[str]) -> str:
    return _LABEL_FIELD[match.group("b") or match.group("c")]


def _split_segments(text: str, matches: list[re.Match[str]]) -> list[tuple[str, str]]:
    segments = []
    for index, match in enumerate(matches):
        stop = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        segments.append((_field(match), text[match.end() : stop].strip()))
    return segments


def leading_labels(text: str) -> list[tuple[str, str]] | None:
    """(field, value) for a line that starts with a label: "答案：B 解析：…" gives two."""
    first = _LEADING_LABEL.match(text)
    if first is None:
        return None
    later = list(_LATER_LABEL.finditer(text, first.end()))
    return _split_segments(text, [first, *later])


def trailing_labels(text: str) -> tuple[str, list[tuple[str, str]]]:
    """A question or option line with labels after it: "D.2001年 【答案】B"."""
    matches = list(_LATER_LABEL.finditer(text))
    if not matches:
        return text, []
    return text[: matches[0].start()].rstrip(), _split_segments(text, matches)


# --- question numbers: 1. 1、 1） (1) （1） ① 第1题 ---------------------------------------

_ARABIC = re.compile(r"^(?:第\s*)?(?P<n>\d{1,4})\s*(?:[.．、,，:：)）]|题)(?!\d)\s*(?P<rest>.*)$")
_PAREN = re.compile(r"^[(（]\s*(?P<n>\d{1,4})\s*[)）]\s*(?P<rest>.*)$")
_CIRCLED = re.compile(r"^(?P<c>[①-⑳])\s*(?P<rest>.*)$")
_TYPE_TAG = re.compile(r"^[【\[（(]\s*(?P<kind>" + _KIND_WORD.pattern + r")\s*[】\]）)]\s*")


@dataclass(frozen=True, slots=True)
class QuestionLine:
    number: int
    style: str  # "arabic" | "paren" | "circled": one style numbers a section's questions
    rest: str
    type: str | None  # from a tag such as "【单选题】" after the number


def question(text: str) -> QuestionLine | None:
    style, match = "arabic", _ARABIC.match(text)
    if match is None:
        style, match = "paren", _PAREN.match(text)
    if match is None:
        circled = _CIRCLED.match(text)
        if circled is None:
            return None
        number = int(unicodedata.normalize("NFKC", circled.group("c")))
        return _with_tag(number, "circled", circled.group("rest"))
    return _with_tag(int(match.group("n")), style, match.group("rest"))


def _with_tag(number: int, style: str, rest: str) -> QuestionLine:
    tag = _TYPE_TAG.match(rest)
    if tag is None:
        return QuestionLine(number, style, rest.strip(), None)
    kind = kind_of_title(tag.group("kind"))
    return QuestionLine(number, style, rest[tag.end() :].strip(), kind)


# --- the answer key: 参考答案 / 参考答案：1.B 2.C / 答案与解析 ------------------------------

_KEY_TITLE = re.compile(
    r"^[【\[]?\s*(?P<title>参考答案|标准答案|正确答案|答案)(?:及解析|与解析|和解析)?\s*[】\]]?\s*[:：]?\s*"
)
# "答案：" and "正确答案：" also label one question's answer; these only title a key.
_KEY_ONLY_TITLES = ("参考答案", "标准答案")


@dataclass(frozen=True, slots=True)
class KeyTitle:
    rest: str  # what follows the title on its line ("" when alone)
    key_only: bool  # 参考答案 / 标准答案: never one question's answer


def key_start(text: str) -> KeyTitle | None:
    match = _KEY_TITLE.match(text)
    if match is None:
        return None
    return KeyTitle(text[match.end() :].strip(), match.group("title") in _KEY_ONLY_TITLES)
