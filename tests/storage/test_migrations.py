"""Alembic owns the schema: the migrations build exactly what the models describe."""

import uuid
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from storage.migrate import upgrade
from tables import metadata
from tests.conftest import IN_CI, PG_ADMIN_URL


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


def test_postgresql_upgrade_matches_the_models() -> None:
    """A fresh PostgreSQL database migrated by Alembic has exactly the models' schema."""
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable in CI: {exc}", pytrace=False)
        pytest.skip("PostgreSQL unreachable")
    name = f"qq_migrate_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        upgrade(f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1))
        assert _diff(f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)) == []
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
