import string

import pytest

from i18n import LANGUAGES, both, catalogue, normalize_lang, t


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_keys() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    assert set(zh) - set(en) == set(), "keys missing in English"
    assert set(en) - set(zh) == set(), "keys missing in Chinese"


@pytest.mark.parametrize("key", sorted(catalogue("zh")))
def test_placeholders_match_across_languages(key: str) -> None:
    zh_names = _placeholders(catalogue("zh")[key])
    for lang in LANGUAGES:
        assert _placeholders(catalogue(lang)[key]) == zh_names, f"{lang}:{key}"


def test_chinese_is_the_default_and_english_is_chosen_from_telegram() -> None:
    assert normalize_lang(None) == "zh"
    assert normalize_lang("zh-hans") == "zh"
    assert normalize_lang("en-US") == "en"
    assert normalize_lang("ru") == "zh"
    assert t("common.cancel") == "取消"
    assert t("common.cancel", "en") == "Cancel"
    assert t("common.cancel", "xx") == "取消"


def test_both_languages_for_reports() -> None:
    assert both("common.confirm") == "确认 / Confirm"


def test_unknown_key_is_an_error() -> None:
    with pytest.raises(KeyError):
        t("no.such.key")
