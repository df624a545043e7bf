"""``doctor``: what a first run needs, checked, with plain advice; exit 1 lists the problems."""

from __future__ import annotations

import asyncio

import typer

from cli.common import EXIT_OK, EXIT_REJECTED
from ops.doctor import Finding, diagnose, load_for_doctor, problems

MARKS = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}


def run_doctor(*, webhook: str | None) -> None:
    settings, config_findings = load_for_doctor()
    findings = config_findings + asyncio.run(diagnose(settings, webhook=webhook))
    typer.echo(report(findings))
    raise typer.Exit(EXIT_REJECTED if problems(findings) else EXIT_OK)


def report(findings: list[Finding]) -> str:
    lines = ["QualityQuiz doctor"]
    width = max(len(f.check) for f in findings)
    for finding in findings:
        lines.append(f"  {MARKS[finding.status]}  {finding.check:<{width}}  {finding.detail}")
        if finding.advice and finding.status != "ok":
            lines.append(f"        {'':<{width}}  → {finding.advice}")
    failing = problems(findings)
    if failing:
        names = ", ".join(dict.fromkeys(f.check for f in failing))
        lines.append(f"{len(failing)} problem(s) to fix before the first run: {names}")
    else:
        lines.append("ready: `python main.py run` starts the bot")
    return "\n".join(lines)
