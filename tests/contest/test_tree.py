"""Team names for people: the shortest end of the path that no other team shares."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from contest.teams import ensure_team_path
from contest.tree import TeamTree, load_tree


def tree(*paths: tuple[str, ...]) -> TeamTree:
    """A tree from name paths (root first); ids are given in the order teams first appear."""
    ids: dict[tuple[str, ...], int] = {}
    parent: dict[int, int | None] = {}
    for path in paths:
        for depth in range(1, len(path) + 1):
            key = path[:depth]
            if key not in ids:
                ids[key] = len(ids) + 1
                parent[ids[key]] = ids[key[:-1]] if depth > 1 else None
    names = {team_id: key[-1] for key, team_id in ids.items()}
    return TeamTree(parent=parent, kind=dict.fromkeys(parent, ""), name=names)


def labels(team_tree: TeamTree) -> dict[str, str]:
    """Full path "a/b" → short label, for readable assertions."""
    return {
        "/".join(team_tree.path_names(team_id)): label
        for team_id, label in team_tree.short_labels().items()
    }


def test_leaves_of_the_same_name_are_told_apart_by_their_workshop() -> None:
    t = tree(("一车间", "甲班"), ("二车间", "甲班"), ("二车间", "乙班"))
    assert labels(t) == {
        "一车间": "一车间",
        "一车间/甲班": "一车间·甲班",
        "二车间": "二车间",
        "二车间/甲班": "二车间·甲班",
        "二车间/乙班": "乙班",
    }


def test_a_unique_leaf_name_stays_alone_however_deep() -> None:
    t = tree(("质量部", "检验科", "来料检验组"))
    assert labels(t)["质量部/检验科/来料检验组"] == "来料检验组"


def test_only_as_much_of_the_path_as_needed() -> None:
    t = tree(("一厂", "一车间", "甲班"), ("二厂", "一车间", "甲班"), ("二厂", "二车间", "甲班"))
    got = labels(t)
    assert got["一厂/一车间/甲班"] == "一厂·一车间·甲班"
    assert got["二厂/一车间/甲班"] == "二厂·一车间·甲班"
    assert got["二厂/二车间/甲班"] == "二车间·甲班"
    assert got["一厂/一车间"] == "一厂·一车间"


def test_uniqueness_is_among_all_teams_not_just_the_ones_asked_for() -> None:
    t = tree(("一车间", "甲班"), ("二车间", "甲班"))
    (first_jia,) = (i for i, n in t.name.items() if n == "甲班" and t.parent[i] == 1)
    assert t.short_labels([first_jia]) == {first_jia: "一车间·甲班"}
    assert t.short_label(first_jia) == "一车间·甲班"


def test_a_root_that_ends_another_path_keeps_its_whole_path_and_labels_stay_distinct() -> None:
    t = tree(("甲班",), ("一车间", "甲班"))
    got = labels(t)
    assert got["甲班"] == "甲班"
    assert got["一车间/甲班"] == "一车间·甲班"
    assert len(set(got.values())) == len(got)


def test_separator_can_be_chosen() -> None:
    t = tree(("一车间", "甲班"), ("二车间", "甲班"))
    assert set(t.short_labels(sep=" / ").values()) >= {"一车间 / 甲班", "二车间 / 甲班"}


def test_unknown_team_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        tree(("一车间",)).short_label(99)


async def test_labels_from_the_database_tree(session: AsyncSession) -> None:
    one = await ensure_team_path(session, path=[("车间", "一车间"), ("班组", "甲班")])
    two = await ensure_team_path(session, path=[("车间", "二车间"), ("班组", "甲班")])
    solo = await ensure_team_path(session, path=[("部门", "质检部")])
    await session.commit()
    assert one.id and two.id and solo.id
    got = (await load_tree(session)).short_labels([one.id, two.id, solo.id])
    assert got == {one.id: "一车间·甲班", two.id: "二车间·甲班", solo.id: "质检部"}
