"""``db`` commands: schema upgrades, backups and restores."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import EXIT_REJECTED
from config import load_settings
from ops.backup import BackupError, backend
from ops.backup import backup as take_backup
from ops.backup import restore as restore_backup
from storage.db import describe
from storage.migrate import upgrade as upgrade_schema

app = typer.Typer(no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Upgrade the database schema (Alembic)."""
    settings = load_settings()
    upgrade_schema(settings.database_url, revision)
    typer.echo(f"database {describe(settings.database_url)} at {revision}")


@app.command()
def backup(file: Path = typer.Argument(..., help="Where to write the backup.")) -> None:
    """Copy the database to FILE, consistently, while the bot keeps running."""
    settings = load_settings()
    if backend(settings.database_url) == "postgresql":
        typer.echo("PostgreSQL: running pg_dump --format=custom (restore with `db restore`)")
    try:
        result = take_backup(settings.database_url, file)
    except BackupError as exc:
        typer.echo(f"backup failed: {exc}", err=True)
        raise typer.Exit(EXIT_REJECTED) from None
    typer.echo(
        f"backup of {describe(settings.database_url)} written to {result.path} "
        f"({result.size / 1e6:.1f} MB in {result.seconds:.1f}s)"
    )


@app.command()
def restore(
    file: Path = typer.Argument(..., help="A backup made by `db backup`."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Replace the database's content with FILE (stop the bot first)."""
    settings = load_settings()
    where = describe(settings.database_url)
    if not file.is_file():
        typer.echo(f"no backup file at {file}", err=True)
        raise typer.Exit(EXIT_REJECTED)
    if not yes:
        typer.confirm(
            f"Replace everything in {where} with {file}? Stop the bot (and the scheduler) first",
            abort=True,
        )
    try:
        saved = restore_backup(settings.database_url, file)
    except BackupError as exc:
        typer.echo(f"restore failed: {exc}", err=True)
        raise typer.Exit(EXIT_REJECTED) from None
    if saved is not None:
        typer.echo(f"the database as it was is saved in {saved}")
    typer.echo(f"{where} restored from {file}; start the bot (it migrates the schema if needed)")
