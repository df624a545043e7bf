"""``db`` commands: schema upgrades."""

from __future__ import annotations

import typer

from config import load_settings
from storage.db import describe
from storage.migrate import upgrade as upgrade_schema

app = typer.Typer(no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Upgrade the database schema (Alembic)."""
    settings = load_settings()
    upgrade_schema(settings.database_url, revision)
    typer.echo(f"database {describe(settings.database_url)} at {revision}")
