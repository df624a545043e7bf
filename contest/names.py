"""People's and teams' names as typed or uploaded, made safe to compare and to show."""

from __future__ import annotations

import unicodedata

# Format (Cf: zero-width, bidi overrides), private-use and unassigned code points vanish;
# controls and line breaks (Cc, Zl, Zp) become spaces. Nothing a real name needs, and each
# can make two names look alike.
_DROPPED = frozenset({"Cf", "Co", "Cs", "Cn"})
_SPACED = frozenset({"Cc", "Zl", "Zp"})


def visible_text(text: str) -> str:
    """``text`` in NFKC without invisible characters, whitespace collapsed to single spaces."""
    kept = []
    for ch in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(ch)
        if category not in _DROPPED:
            kept.append(" " if category in _SPACED else ch)
    return " ".join("".join(kept).split())
