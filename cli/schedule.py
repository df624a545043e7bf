"""``schedule`` commands: list the jobs, pause or resume one (audited, as the operator)."""

from __future__ import annotations

import typer

from cli.common import EXIT_OK, EXIT_REJECTED, open_session, run_async
from config import load_settings
from contest.admin.policy import Actor
from contest.admin.schedules import pause_schedule, resume_schedule
from contest.errors import ContestError
from i18n import both
from scheduler.context import local_time
from scheduler.jobs import list_jobs
from storage.types import utcnow

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_() -> None:
    """Every job with its schedule, next run (local time) and paused state."""
    settings = load_settings()

    async def go() -> None:
        async with open_session(settings) as session:
            jobs = await list_jobs(session, settings=settings)
        for job in jobs:
            upcoming = local_time(job.next_run, job.timezone) if job.next_run else "-"
            state = "paused" if job.paused else "active"
            typer.echo(
                f"{job.key:<22} {state:<7} {job.schedule:<18} next {upcoming} ({job.timezone})"
            )
        if not jobs:
            typer.echo("no jobs")

    run_async(go)


def _toggle(key: str, *, pause: bool) -> bool:
    action = pause_schedule if pause else resume_schedule

    async def go() -> bool:
        async with open_session() as session:
            return await action(session, actor=Actor.operator(), key=key, clock=utcnow)

    try:
        return run_async(go)
    except ContestError as exc:
        typer.echo(both(f"contest.error.{exc.code}", **exc.params), err=True)
        raise typer.Exit(EXIT_REJECTED) from None


@app.command()
def pause(key: str = typer.Argument(..., help="Job key, e.g. announce:3")) -> None:
    """Pause a job: its runs are skipped until resumed (not caught up afterwards)."""
    changed = _toggle(key, pause=True)
    typer.echo(f"paused {key}" if changed else f"{key} was paused already")
    raise typer.Exit(EXIT_OK)


@app.command()
def resume(key: str = typer.Argument(..., help="Job key, e.g. announce:3")) -> None:
    """Resume a paused job."""
    if not _toggle(key, pause=False):
        typer.echo(f"{key!r} was not paused", err=True)
        raise typer.Exit(EXIT_REJECTED)
    typer.echo(f"resumed {key}")
