"""``contest`` commands: create, list, open, close, archive, export, roster.

Changes go through the organiser actions of ``contest.admin`` as the operator, so the CLI
is audited like the chat (``via: cli``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from cli.common import EXIT_REJECTED, open_session, run_async
from contest import competitions
from contest import teams as teams_core
from contest.admin import competitions as admin
from contest.admin import people, results
from contest.admin.policy import Actor
from contest.definition_words import issue_text
from contest.errors import ContestError, DefinitionRejected, RosterRejected
from contest.models import Competition
from contest.roster import RosterReport
from i18n import both
from storage.types import utcnow

app = typer.Typer(no_args_is_help=True)


def _local(value: datetime, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def _fail(exc: ContestError) -> None:
    typer.echo(both(f"contest.error.{exc.code}", **exc.params), err=True)
    if isinstance(exc, DefinitionRejected):
        for issue in exc.issues:
            typer.echo(f"  {issue_text(issue, 'zh')} / {issue_text(issue, 'en')}", err=True)
    if isinstance(exc, RosterRejected):
        for error in exc.errors:
            typer.echo(f"  {error.describe('zh')}", err=True)
    raise typer.Exit(EXIT_REJECTED)


def _summary(key: str, competition: Competition) -> str:
    return both(key, id=competition.id, name=competition.name)


@app.command()
def create(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="contest.yaml"),
    by: str = typer.Option("cli", help="Who creates it (recorded)."),
) -> None:
    """Create a competition from a YAML definition (see contest/examples/contest.yaml)."""

    text = file.read_text(encoding="utf-8")

    async def go() -> Competition:
        async with open_session() as session:
            return await admin.create_competition(
                session, actor=Actor.operator(name=by), yaml_text=text, clock=utcnow
            )

    try:
        c = run_async(go)
    except ContestError as exc:
        _fail(exc)
        return
    starts, ends = _local(c.starts_at, c.timezone), _local(c.ends_at, c.timezone)
    params = dict(name=c.name, status=c.status, starts=starts, ends=ends, timezone=c.timezone)
    typer.echo(both("contest.cli.created", id=c.id, **params))


@app.command("list")
def list_() -> None:
    """List competitions: id, status, local start and end, name."""

    async def go() -> list[Competition]:
        async with open_session() as session:
            return await competitions.list_competitions(session)

    rows = run_async(go)
    if not rows:
        typer.echo(both("contest.cli.none"))
    for c in rows:
        start, end = _local(c.starts_at, c.timezone), _local(c.ends_at, c.timezone)
        typer.echo(f"{c.id}\t{c.status}\t{start} – {end}\t{c.name}")


def _lifecycle(action: str, key: str, competition_id: int) -> None:
    operation = getattr(admin, f"{action}_competition")

    async def go() -> Competition:
        async with open_session() as session:
            result: Competition = await operation(
                session, actor=Actor.operator(), competition_id=competition_id, clock=utcnow
            )
            return result

    try:
        typer.echo(_summary(key, run_async(go)))
    except ContestError as exc:
        _fail(exc)


@app.command("open")
def open_(competition_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Open a competition now."""
    _lifecycle("open", "contest.cli.opened", competition_id)


@app.command()
def close(competition_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Close a competition now; no answer counts afterwards."""
    _lifecycle("close", "contest.cli.closed", competition_id)


@app.command()
def archive(competition_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Archive a closed competition."""
    _lifecycle("archive", "contest.cli.archived", competition_id)


@app.command()
def export(
    competition_id: int = typer.Argument(..., metavar="ID"),
    path: Path = typer.Argument(..., help="results.xlsx"),
) -> None:
    """Export results: 个人排名, 团队排名, 答题明细, 题目分析, 参与率."""

    async def go() -> None:
        async with open_session() as session:
            await results.export(
                session,
                actor=Actor.operator(),
                competition_id=competition_id,
                path=path,
                clock=utcnow,
            )

    try:
        run_async(go)
    except ContestError as exc:
        _fail(exc)
        return
    typer.echo(both("contest.cli.exported", id=competition_id, path=path))


@app.command()
def roster(file: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Import a roster (花名册: 姓名, 工号, 部门, [车间], 班组, [Telegram]); all or nothing."""

    data = file.read_bytes()

    async def go() -> RosterReport:
        async with open_session() as session:
            return await people.import_workers(
                session, actor=Actor.operator(), data=data, filename=file.name, clock=utcnow
            )

    try:
        report = run_async(go)
    except ContestError as exc:
        _fail(exc)
        return
    typer.echo(both("contest.roster.report", **vars(report)))


@app.command()
def teams() -> None:
    """List teams in tree order with member counts and join codes (for t.me/<bot>?start=CODE)."""

    async def go() -> list[teams_core.TeamLine]:
        async with open_session() as session:
            return await teams_core.team_overview(session)

    lines = run_async(go)
    if not lines:
        typer.echo(both("admin.teams.none"))
    for line in lines:
        indent = "  " * line.depth
        typer.echo(f"{line.join_code}\t{line.members}\t{indent}{line.kind} {line.path[-1]}")
