"""``bank`` commands: template, validate, import, export, stats, sets.

Exit codes follow the operational contract: 0 ok, 1 the file was rejected (the report
says why), 2 usage error (missing file, unsupported extension, unknown set).
"""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import EXIT_REJECTED, EXIT_USAGE, open_session, run_async
from contest.admin.people import import_bank
from contest.admin.policy import Actor
from contest.errors import BankRejected
from i18n import t
from quizbank.formats import WRITE_EXTENSIONS, UnsupportedFormat, check_extension
from quizbank.overlap import overlap_lines
from quizbank.service import (
    BankStats,
    ImportResult,
    SetNotFound,
    bank_stats,
    export_bank,
    list_sets,
)
from quizbank.template import write_template
from quizbank.template_docx import write_docx_template
from quizbank.validation import ValidationReport, parse_file
from storage.types import utcnow

app = typer.Typer(no_args_is_help=True)

SHOWN_OVERLAPS = 50
LangOption = typer.Option("zh", "--lang", help="Report language: zh or en.")


def _fail(code: int, key: str, lang: str, **params: object) -> typer.Exit:
    typer.echo(t(key, lang, **params), err=True)
    return typer.Exit(code)


def _read(path: Path, lang: str) -> ValidationReport:
    if not path.is_file():
        raise _fail(EXIT_USAGE, "bank.report.missing_file", lang, path=path)
    try:
        check_extension(path.name)
    except UnsupportedFormat as exc:
        raise _fail(EXIT_USAGE, "bank.report.unsupported", lang, extension=exc.extension) from None
    return parse_file(path)


def _counts(title_key: str, counts: dict[str, int], lang: str) -> list[str]:
    lines = [t(title_key, lang)]
    lines += [f"  {name}: {n}" for name, n in sorted(counts.items(), key=lambda kv: -kv[1])]
    return lines


def _type_counts(counts: dict[str, int], lang: str) -> dict[str, int]:
    return {t(f"bank.type.{kind}", lang): n for kind, n in counts.items()}


def _level_counts(counts: dict[int, int], lang: str) -> dict[str, int]:
    return {t(f"bank.difficulty.{k}", lang): n for k, n in counts.items()}


def _category_counts(counts: dict[str, int], lang: str) -> dict[str, int]:
    return {(name or t("bank.report.no_category", lang)): n for name, n in counts.items()}


def render_report(report: ValidationReport, lang: str) -> str:
    """Counts, then every problem with its sheet, row and column, then what was ignored."""
    lines = [
        t("bank.report.file", lang, filename=report.filename),
        t("bank.report.valid", lang, count=len(report.drafts)),
    ]
    if report.drafts:
        lines += _counts("bank.report.by_type", _type_counts(report.by_type, lang), lang)
        lines += _counts(
            "bank.report.by_category", _category_counts(report.by_category, lang), lang
        )
        lines += _counts(
            "bank.report.by_difficulty", _level_counts(report.by_difficulty, lang), lang
        )
    if report.errors:
        lines.append(t("bank.report.errors", lang, count=len(report.errors)))
        lines += [f"  {error.describe(lang)}" for error in report.errors]
    else:
        lines.append(t("bank.report.no_errors", lang))
    if report.notices:
        lines.append(t("bank.report.notices", lang, count=len(report.notices)))
        lines += [f"  {notice.describe(lang)}" for notice in report.notices]
    return "\n".join(lines)


def render_stats(stats: BankStats, lang: str) -> str:
    lines = [t("bank.report.total", lang, count=stats.total)]
    lines += _counts("bank.report.by_set", stats.by_set, lang)
    lines += _counts("bank.report.by_type", _type_counts(stats.by_type, lang), lang)
    lines += _counts("bank.report.by_category", _category_counts(stats.by_category, lang), lang)
    lines += _counts("bank.report.by_difficulty", _level_counts(stats.by_difficulty, lang), lang)
    return "\n".join(lines)


@app.command()
def template(
    file: Path = typer.Argument(..., help="Where to write the template: .xlsx or .docx."),
    lang: str = LangOption,
) -> None:
    """Write a ready-to-fill template: Excel (drop-downs, help sheet) or Word (numbered
    layout with a short guide); one example per question type."""
    writers = {".xlsx": write_template, ".docx": write_docx_template}
    writer = writers.get(file.suffix.lower())
    if writer is None:
        raise _fail(EXIT_USAGE, "bank.report.unsupported", lang, extension=file.suffix)
    writer(file)
    typer.echo(t("bank.report.template_written", lang, path=file))


@app.command()
def validate(file: Path, lang: str = LangOption) -> None:
    """Check a bank file and report every problem; imports nothing."""
    report = _read(file, lang)
    typer.echo(render_report(report, lang))
    if report.errors:
        raise typer.Exit(EXIT_REJECTED)


@app.command("import")
def import_(
    file: Path,
    set_name: str | None = typer.Option(
        None, "--set", help="Question set; default: the file's name."
    ),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Import the valid rows anyway."
    ),
    skip_duplicates: bool = typer.Option(
        False,
        "--skip-duplicates",
        help="Leave out questions another set already holds (reported either way).",
    ),
    uploaded_by: str | None = typer.Option(None, "--by", help="Who uploads (recorded on the set)."),
    lang: str = LangOption,
) -> None:
    """Import a bank file into a question set (atomic unless --skip-invalid); audited."""
    report = _read(file, lang)
    name = set_name or report.name or file.stem
    actor = Actor.operator(name=uploaded_by or "")

    async def run() -> ImportResult:
        async with open_session() as session:
            return await import_bank(
                session,
                actor=actor,
                report=report,
                set_name=name,
                skip_invalid=skip_invalid,
                skip_overlaps=skip_duplicates,
                clock=utcnow,
            )

    try:
        result = run_async(run)
    except BankRejected as rejected:
        typer.echo(render_report(report, lang))
        # A refusal the file itself does not show (every question skipped as a repeat).
        typer.echo("\n".join(e.describe(lang) for e in rejected.errors if e not in report.errors))
        raise _fail(EXIT_REJECTED, "bank.report.rejected", lang) from None
    if result.skipped_errors:
        typer.echo(render_report(report, lang))
    if result.overlaps:
        typer.echo("\n".join(overlap_lines(result.overlaps, lang, shown=SHOWN_OVERLAPS)))
        if result.skipped_overlaps:
            typer.echo(t("bank.overlap.skipped", lang, count=result.skipped_overlaps))
        else:
            typer.echo(t("bank.overlap.cli_hint", lang))
    typer.echo(
        t(
            "bank.report.imported",
            lang,
            name=result.set_name,
            set_id=result.set_id,
            version=result.version,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            deactivated=result.deactivated,
            skipped=len(result.skipped_errors),
        )
    )


@app.command()
def export(
    file: Path,
    set_name: str | None = typer.Option(None, "--set", help="Only this question set."),
    lang: str = LangOption,
) -> None:
    """Export questions in the import format (.xlsx, .csv or .json by extension)."""
    try:
        check_extension(file.name, WRITE_EXTENSIONS)
    except UnsupportedFormat as exc:
        raise _fail(EXIT_USAGE, "bank.report.unsupported", lang, extension=exc.extension) from None

    async def run() -> int:
        async with open_session() as session:
            return await export_bank(session, path=file, set_name=set_name)

    try:
        count = run_async(run)
    except SetNotFound as exc:
        raise _fail(EXIT_USAGE, "bank.report.no_such_set", lang, name=exc.name) from None
    typer.echo(t("bank.report.exported", lang, count=count, path=file))


@app.command()
def stats(
    set_name: str | None = typer.Option(None, "--set", help="Only this question set."),
    lang: str = LangOption,
) -> None:
    """Counts of active questions by set, type, category and difficulty."""

    async def run() -> BankStats:
        async with open_session() as session:
            return await bank_stats(session, set_name=set_name)

    typer.echo(render_stats(run_async(run), lang))


@app.command()
def sets(lang: str = LangOption) -> None:
    """List the question sets."""

    async def run() -> str:
        async with open_session() as session:
            summaries = await list_sets(session)
        if not summaries:
            return t("bank.report.no_sets", lang)
        return "\n".join(
            t(
                "bank.report.set_line",
                lang,
                name=s.name,
                set_id=s.id,
                version=s.version,
                count=s.question_count,
                uploaded_by=s.uploaded_by or "-",
                uploaded_at=s.uploaded_at.strftime("%Y-%m-%d %H:%M UTC"),
            )
            for s in summaries
        )

    typer.echo(run_async(run))
