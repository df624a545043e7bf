"""The typer application: one sub-command group per area, assembled here."""

from __future__ import annotations

import typer

from cli import bank, contest, db, live, schedule
from ops.logs import configure_logging

app = typer.Typer(no_args_is_help=True, add_completion=False, help="QualityQuiz 质量知识竞赛")
app.add_typer(db.app, name="db", help="Database schema (Alembic).")
app.add_typer(
    bank.app, name="bank", help="Question bank: template, validate, import, export, stats."
)
app.add_typer(contest.app, name="contest", help="Competitions: create, list, open, close, export.")
app.add_typer(schedule.app, name="schedule", help="Scheduled jobs: list, pause, resume.")
app.add_typer(live.app, name="live", help="Live finals: export the record and certificates.")


# aiogram and matplotlib take seconds to import; only these two commands need them.
@app.command("run")
def run(
    webhook: str = typer.Option(None, "--webhook", help="Public HTTPS URL for webhook mode."),
    no_scheduler: bool = typer.Option(False, "--no-scheduler", help="Do not run the scheduler."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Webhook mode: processes behind one port."
    ),
    worker_index: int = typer.Option(None, "--worker-index", hidden=True),
) -> None:
    """Run the bot: long polling by default, or webhook mode with --webhook URL."""
    from cli.run import run_bot

    if workers > 1 and not webhook:
        typer.echo("--workers needs --webhook: polling is one process per bot", err=True)
        raise typer.Exit(2)
    run_bot(
        webhook=webhook,
        with_scheduler=not no_scheduler,
        workers=workers,
        worker_index=worker_index,
    )


@app.command("scheduler")
def scheduler() -> None:
    """Run only the scheduler and the outbox sender (when the bots run elsewhere)."""
    from cli.run import run_scheduler_alone

    run_scheduler_alone()


@app.command("doctor")
def doctor(
    webhook: str = typer.Option(None, "--webhook", help="Also check this webhook URL."),
) -> None:
    """Check what a first run needs (token, database, Redis, font, webhook, time zone, admins)."""
    from cli.doctor import run_doctor

    run_doctor(webhook=webhook)


@app.callback()
def _setup(verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging.")) -> None:
    level, fmt = _log_settings()
    configure_logging("DEBUG" if verbose else level, fmt)


def _log_settings() -> tuple[str, str]:
    """LOG_LEVEL and LOG_FORMAT; a broken setting elsewhere is for the command (or the doctor)
    to report, so logging falls back to the defaults rather than fail first."""
    from pydantic import ValidationError

    from config import load_settings

    try:
        settings = load_settings()
    except ValidationError:
        return "INFO", "text"
    return settings.log_level, settings.log_format
