"""Row ids as plain ``int``.

SQLModel types a table's ``id`` as ``int | None``: None until the row is flushed. Code that
holds a stored row needs its id as an ``int``; :func:`id_of` gives it, and raises instead of
quietly turning a missing id into row 0 (the ``id_of(x)`` it replaces).
"""

from __future__ import annotations

from typing import Protocol


class HasId(Protocol):
    @property
    def id(self) -> int | None: ...


def id_of(row: HasId) -> int:
    """``row.id``, which a flushed or loaded row always has."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id
