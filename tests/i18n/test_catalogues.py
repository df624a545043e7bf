import string

import pytest

from i18n import LANGUAGES, both, catalogue, normalize_lang, plural_form, plurals, t


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
        for form, text in plurals(lang).get(key, {}).items():
            # "one" may say the number in words ("your only attempt")
            assert _placeholders(text) <= zh_names, f"{lang}:{key}.{form}"


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


def test_plural_entries_choose_their_form_by_count() -> None:
    assert plural_form("en", 1) == "one" and plural_form("en", 1.0) == "one"
    assert plural_form("en", 0) == "other" and plural_form("en", 1.5) == "other"
    assert plural_form("zh", 1) == "other"
    assert t("quiz.summary.attempts_left", "en", count=1) == "1 attempt left."
    assert t("quiz.summary.attempts_left", "en", count=2) == "2 attempts left."
    assert t("quiz.summary.attempts_left", "zh", count=1) == "还可参加 1 次。"


def test_a_plural_entry_without_a_count_is_an_error() -> None:
    with pytest.raises(KeyError):
        t("quiz.summary.attempts_left", "en")


def test_chinese_writes_plural_entries_as_one_plain_text() -> None:
    assert plurals("zh") == {}, "Chinese has no plural forms"
