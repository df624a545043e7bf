"""``schedule`` commands: list the jobs, pause or resume one."""

from __future__ import annotations

import typer

from cli.common import EXIT_OK, EXIT_REJECTED, open_session, run_async
from config import load_settings
from scheduler.context import local_time
from scheduler.jobs import list_jobs, pause_job, resume_job

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


@app.command()
def pause(key: str = typer.Argument(..., help="Job key, e.g. announce:3")) -> None:
    """Pause a job: its runs are skipped until resumed (not caught up afterwards)."""
    settings = load_settings()

    async def go() -> bool:
        async with open_session(settings) as session:
            return await pause_job(session, job_key=key, settings=settings)

    if not run_async(go):
        typer.echo(f"no job {key!r} (see: schedule list)", err=True)
        raise typer.Exit(EXIT_REJECTED)
    typer.echo(f"paused {key}")
    raise typer.Exit(EXIT_OK)


@app.command()
def resume(key: str = typer.Argument(..., help="Job key, e.g. announce:3")) -> None:
    """Resume a paused job."""

    async def go() -> bool:
        async with open_session() as session:
            return await resume_job(session, job_key=key)

    if not run_async(go):
        typer.echo(f"{key!r} was not paused", err=True)
        raise typer.Exit(EXIT_REJECTED)
    typer.echo(f"resumed {key}")
