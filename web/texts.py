"""The catalogue texts the quiz page's script needs, in both languages (it learns the
worker's language from /api/session, after the page has loaded)."""

from __future__ import annotations

from i18n import LANGUAGES, catalogue

PREFIXES = (
    "quiz.header",
    "quiz.type.",
    "quiz.toast.",
    "quiz.summary.",
    "quiz.true",
    "quiz.false",
    "quiz.correct_answer",
    "quiz.explanation",
    "quiz.duration",
    "quiz.empty_selection",
    "quiz.closed",
    "quiz.previous",
    "web.quiz.",
    "web.app.",
    "quiz.error.generic",
)


def client_texts() -> dict[str, dict[str, str]]:
    return {
        lang: {k: v for k, v in catalogue(lang).items() if k.startswith(PREFIXES)}
        for lang in LANGUAGES
    }
