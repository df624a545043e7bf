"""The ready-to-fill Excel template (题库模板) organisers download before writing a bank."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from i18n import t
from quizbank.formats.headers import CANONICAL_HEADERS, FIELDS, OPTION_FIELDS, REQUIRED_FIELDS
from quizbank.formats.values import TYPE_LABELS

TEMPLATE_ROWS = 500
"""How many rows the drop-downs cover."""

# Widths in Excel character units; a CJK character takes about two.
_WIDTHS = {
    "type": 10,
    "stem": 50,
    "answer": 14,
    "alternatives": 16,
    "explanation": 40,
    "category": 14,
    "tags": 16,
    "source": 24,
    "points": 8,
    "difficulty": 8,
}
_OPTION_WIDTH = 18
_HELP_HEADERS = ("help_column", "help_required", "help_zh", "help_en")

EXAMPLES: list[dict[str, object]] = [
    {
        "type": "单选题",
        "stem": "我国的全国质量月活动始于哪一年？",
        "option_A": "1960年",
        "option_B": "1978年",
        "option_C": "1988年",
        "option_D": "2001年",
        "answer": "B",
        "explanation": "1978年9月，我国开展了第一次全国质量月活动。",
        "points": 1,
        "difficulty": "易",
        "category": "质量月历史",
        "tags": "质量月、历史",
        "source": "全国质量月资料",
    },
    {
        "type": "多选题",
        "stem": "PDCA循环包括下列哪些阶段？",
        "option_A": "计划（P）",
        "option_B": "执行（D）",
        "option_C": "检查（C）",
        "option_D": "处置（A）",
        "option_E": "评比（E）",
        "answer": "ABCD",
        "explanation": "PDCA即计划、执行、检查、处置四个阶段。",
        "points": 2,
        "difficulty": "中",
        "category": "PDCA",
        "tags": "PDCA",
        "source": "",
    },
    {
        "type": "判断题",
        "stem": "排列图（帕累托图）用于找出影响质量的主要因素。",
        "answer": "对",
        "explanation": "排列图按“关键的少数、次要的多数”原理找出主要因素。",
        "points": 1,
        "difficulty": "易",
        "category": "QC七大手法",
        "tags": "排列图",
        "source": "",
    },
    {
        "type": "填空题",
        "stem": "质量管理体系标准 ISO ____ 规定了质量管理体系的要求。",
        "answer": "9001",
        "alternatives": "ISO 9001",
        "explanation": "ISO 9001 规定要求，ISO 9000 给出基础和术语。",
        "points": 2,
        "difficulty": "中",
        "category": "ISO 9001",
        "tags": "标准",
        "source": "GB/T 19001-2016",
    },
]


def write_template(path: Path) -> None:
    """An .xlsx with the Chinese headers, one example per type, drop-downs and a help sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题库"
    sheet.append([CANONICAL_HEADERS[field] for field in FIELDS])
    for example in EXAMPLES:
        sheet.append([example.get(field, "") for field in FIELDS])
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, field in enumerate(FIELDS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if field in REQUIRED_FIELDS else "000000")
        cell.fill = header_fill
        width = _OPTION_WIDTH if field in OPTION_FIELDS else _WIDTHS.get(field, 12)
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=2, max_row=len(EXAMPLES) + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    _add_drop_down(sheet, "type", ",".join(TYPE_LABELS.values()))
    _add_drop_down(sheet, "difficulty", "易,中,难")
    _add_help_sheet(workbook)
    workbook.save(path)


def _add_drop_down(sheet: object, field: str, choices: str) -> None:
    letter = get_column_letter(FIELDS.index(field) + 1)
    validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
    validation.error = t("bank.template." + field, "zh")
    validation.showErrorMessage = field == "type"
    sheet.add_data_validation(validation)  # type: ignore[attr-defined]
    validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")


def _add_help_sheet(workbook: Workbook) -> None:
    """Column by column, in Chinese and English (填写说明)."""
    sheet = workbook.create_sheet(t("bank.template.sheet_help", "zh"))
    sheet.append([t(f"bank.template.{key}", "zh") for key in _HELP_HEADERS])
    for field in FIELDS:
        if field in OPTION_FIELDS[1:]:
            continue
        name = "选项A–选项H" if field == "option_A" else CANONICAL_HEADERS[field]
        key = "options" if field == "option_A" else field
        required = "required_yes" if field in REQUIRED_FIELDS else "required_no"
        sheet.append([name, " / ".join(_both(required)), *_both(key)])
    for letter, width in zip("ABCD", (14, 10, 60, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in sheet[1]:
        cell.font = Font(bold=True)


def _both(key: str) -> list[str]:
    return [t(f"bank.template.{key}", lang) for lang in ("zh", "en")]
