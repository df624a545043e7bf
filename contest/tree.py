"""The team hierarchy loaded in one query, for walking up (ancestors) and down (descendants).

Organisations have hundreds of teams, not millions: one ``SELECT id, parent_id, kind`` is cheaper
than a recursive query per lookup and works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.models import Team
from contest.rules import LEAF_LEVEL


@dataclass
class TeamTree:
    parent: dict[int, int | None]
    kind: dict[int, str]
    name: dict[int, str]
    children: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for team_id, parent_id in self.parent.items():
            if parent_id is not None:
                self.children[parent_id].append(team_id)

    def ancestors(self, team_id: int) -> list[int]:
        """The team itself, then its parent, up to the root."""
        out: list[int] = []
        current: int | None = team_id
        while current is not None and current not in out:
            out.append(current)
            current = self.parent.get(current)
        return out

    def descendants(self, team_id: int) -> list[int]:
        """The team itself and every team below it."""
        out = [team_id]
        i = 0
        while i < len(out):
            out.extend(self.children.get(out[i], []))
            i += 1
        return out

    def path_names(self, team_id: int) -> list[str]:
        return [self.name[t] for t in reversed(self.ancestors(team_id))]

    def at_level(self, level: str) -> list[int]:
        """Teams ranked at ``level``: ``"leaf"`` (no children) or a kind label such as 部门."""
        if level == LEAF_LEVEL:
            return [t for t in self.parent if not self.children.get(t)]
        return [t for t, kind in self.kind.items() if kind == level]


async def load_tree(session: AsyncSession) -> TeamTree:
    rows = (
        await session.execute(
            select(col(Team.id), col(Team.parent_id), col(Team.kind), col(Team.name))
        )
    ).all()
    return TeamTree(
        parent={r.id: r.parent_id for r in rows},
        kind={r.id: r.kind for r in rows},
        name={r.id: r.name for r in rows},
    )
