"""The typer application: one sub-command group per area, assembled here."""

from __future__ import annotations

import logging

import typer

from cli import bank, contest, db, run, schedule

app = typer.Typer(no_args_is_help=True, add_completion=False, help="QualityQuiz 质量知识竞赛")
app.add_typer(db.app, name="db", help="Database schema (Alembic).")
app.add_typer(
    bank.app, name="bank", help="Question bank: template, validate, import, export, stats."
)
app.add_typer(contest.app, name="contest", help="Competitions: create, list, open, close, export.")
app.add_typer(schedule.app, name="schedule", help="Scheduled jobs: list, pause, resume.")
run.register(app)


@app.callback()
def _setup(verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging.")) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
