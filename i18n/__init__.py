"""Translation catalogues for everything a worker or organiser reads (zh default, en).

Catalogues are TOML files under ``locales/<lang>/``, one per feature area; a file's tables
become dotted keys (``[bank.error]`` + ``empty_stem`` → ``bank.error.empty_stem``).
Placeholders use ``str.format`` syntax. Both languages must hold the same keys with the
same placeholders (``tests/i18n`` checks it).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).with_name("locales")
DEFAULT_LANG = "zh"
LANGUAGES = ("zh", "en")


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            if full in out:
                raise ValueError(f"duplicate translation key {full}")
            out[full] = str(value)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every key of one language, loaded once."""
    out: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.toml")):
        with path.open("rb") as fh:
            _flatten("", tomllib.load(fh), out)
    return out


def normalize_lang(code: str | None) -> str:
    """Map a Telegram ``language_code`` (``en-US``, ``zh-hans``…) to a supported language."""
    if code and code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANG


def t(key: str, lang: str | None = DEFAULT_LANG, /, **params: Any) -> str:
    """The text for ``key`` in ``lang`` (falling back to Chinese), formatted with ``params``."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANG
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANG).get(key)
    if text is None:
        raise KeyError(f"missing translation key {key}")
    return text.format(**params) if params else text


def both(key: str, /, **params: Any) -> str:
    """Chinese and English together, for reports read by people of either language."""
    return f"{t(key, 'zh', **params)} / {t(key, 'en', **params)}"
