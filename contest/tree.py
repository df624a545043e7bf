"""The team hierarchy loaded in one query, for walking up (ancestors) and down (descendants).

Organisations have hundreds of teams, not millions: one ``SELECT id, parent_id, kind`` is cheaper
than a recursive query per lookup and works the same on SQLite and PostgreSQL.
It also names teams for people: ``short_labels`` gives each team the shortest end of its path
that no other team shares (一车间·甲班 beside 二车间·甲班; a unique 质检部 stays alone).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.models import Team
from contest.rules import LEAF_LEVEL

LABEL_SEPARATOR = "·"


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

    def short_labels(
        self, team_ids: Iterable[int] | None = None, *, sep: str = LABEL_SEPARATOR
    ) -> dict[int, str]:
        """Each team's shortest unique name: the fewest trailing path names (leaf last) that
        end no other team's path, joined with ``sep``.

        Uniqueness is among all teams of the tree, so a label means the same team on every
        board, whichever teams that board lists. ``team_ids`` defaults to every team. Labels of
        different teams always differ unless their whole paths are equal (two roots of the
        same name); a team whose whole path ends another team's path (a root 甲班 beside
        一车间/甲班) keeps its whole path, and the other one gets the longer label.
        """
        ids = self.parent if team_ids is None else team_ids
        return {team_id: sep.join(self._shortest_unique_suffix(team_id)) for team_id in ids}

    def short_label(self, team_id: int, *, sep: str = LABEL_SEPARATOR) -> str:
        """One team's ``short_labels`` entry; ``KeyError`` for a team not in the tree."""
        return self.short_labels([team_id], sep=sep)[team_id]

    def _shortest_unique_suffix(self, team_id: int) -> tuple[str, ...]:
        if team_id not in self.parent:
            raise KeyError(team_id)
        path = tuple(self.path_names(team_id))
        for length in range(1, len(path) + 1):
            suffix = path[-length:]
            if self._suffix_counts[suffix] == 1:
                return suffix
        return path

    @cached_property
    def _suffix_counts(self) -> Counter[tuple[str, ...]]:
        """How many teams' paths end with each run of names (built once per tree)."""
        counts: Counter[tuple[str, ...]] = Counter()
        for team_id in self.parent:
            path = tuple(self.path_names(team_id))
            counts.update(path[-length:] for length in range(1, len(path) + 1))
        return counts

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
