"""Alembic owns the schema: the migrations build exactly what the models describe."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from storage.migrate import upgrade
from storage.models import metadata


def _diff(sync_url: str) -> list[object]:
    engine = create_engine(sync_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    return diff


def test_sqlite_upgrade_matches_the_models(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    assert set(inspect(create_engine(f"sqlite:///{path}")).get_table_names()) >= set(
        metadata.tables
    )
    assert _diff(f"sqlite:///{path}") == []


def test_upgrade_twice_is_a_no_op(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'twice.db'}"
    upgrade(url)
    upgrade(url)
    assert _diff(f"sqlite:///{tmp_path / 'twice.db'}") == []
