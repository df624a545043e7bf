"""Translation catalogues for everything a worker or organiser reads (zh default, en).

Catalogues are TOML files under ``locales/<lang>/``, one per feature area; a file's tables
become dotted keys (``[bank.error]`` + ``empty_stem`` → ``bank.error.empty_stem``).
Placeholders use ``str.format`` syntax. Both languages must hold the same keys with the
same placeholders (``tests/i18n`` checks it).

A text that counts something is a *plural entry*: a table of CLDR plural forms
(``one``/``other`` in English), chosen by the ``count`` parameter::

    [quiz.summary.attempts_left]
    one = "{count} attempt left."
    other = "{count} attempts left."

Chinese has no plural, so its catalogue writes the same key as a plain string
(``attempts_left = "还可参加 {count} 次。"``); a plain string serves every count.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).with_name("locales")
DEFAULT_LANG = "zh"
LANGUAGES = ("zh", "en")
PLURAL_FORMS = frozenset({"zero", "one", "two", "few", "many", "other"})


def _is_plural(table: dict[str, Any]) -> bool:
    return (
        "other" in table
        and set(table) <= PLURAL_FORMS
        and all(isinstance(value, str) for value in table.values())
    )


def _flatten(
    prefix: str, table: dict[str, Any], out: dict[str, str], forms: dict[str, dict[str, str]]
) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and not _is_plural(value):
            _flatten(full, value, out, forms)
            continue
        if full in out:
            raise ValueError(f"duplicate translation key {full}")
        if isinstance(value, dict):
            forms[full] = {form: str(text) for form, text in value.items()}
            out[full] = forms[full]["other"]
        else:
            out[full] = str(value)


@cache
def _load(lang: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    out: dict[str, str] = {}
    forms: dict[str, dict[str, str]] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.toml")):
        with path.open("rb") as fh:
            _flatten("", tomllib.load(fh), out, forms)
    return out, forms


def catalogue(lang: str) -> dict[str, str]:
    """Every key of one language, loaded once; a plural entry shows its ``other`` form."""
    return _load(lang)[0]


def plurals(lang: str) -> dict[str, dict[str, str]]:
    """The plural entries of one language: key → {form: text}."""
    return _load(lang)[1]


def plural_form(lang: str, count: float) -> str:
    """The CLDR plural category of ``count``: English says "1 point" but "0 points", "1.5
    points"; Chinese has one form for every number."""
    if lang == "en" and count == 1:
        return "one"
    return "other"


def normalize_lang(code: str | None) -> str:
    """Map a Telegram ``language_code`` (``en-US``, ``zh-hans``…) to a supported language."""
    if code and code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANG


def t(key: str, lang: str | None = DEFAULT_LANG, /, **params: Any) -> str:
    """The text for ``key`` in ``lang`` (falling back to Chinese), formatted with ``params``.

    A plural entry takes its form from ``count`` (which must then be given).
    """
    lang = lang if lang in LANGUAGES else DEFAULT_LANG
    if key not in catalogue(lang):
        lang = DEFAULT_LANG
    text = catalogue(lang).get(key)
    if text is None:
        raise KeyError(f"missing translation key {key}")
    forms = plurals(lang).get(key)
    if forms is not None:
        if "count" not in params:
            raise KeyError(f"plural translation {key} needs a count")
        text = forms.get(plural_form(lang, params["count"]), forms["other"])
    return text.format(**params) if params else text


def both(key: str, /, **params: Any) -> str:
    """Chinese and English together, for reports read by people of either language."""
    return f"{t(key, 'zh', **params)} / {t(key, 'en', **params)}"
