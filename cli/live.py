"""``live`` commands: the record of a live final (现场决赛) as a workbook, with the teams'
certificates (荣誉证书) for the first three places. Run as the operator, audited (``via: cli``)."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from cli.common import EXIT_REJECTED, open_session, run_async
from contest.admin.policy import Actor
from contest.errors import ContestError
from contest.live.models import LiveFinal
from contest.live.record import export_final, placings
from contest.models import Competition
from i18n import both
from storage.types import utcnow

app = typer.Typer(no_args_is_help=True)


@app.command()
def export(
    final_id: int = typer.Argument(..., metavar="ID"),
    path: Path = typer.Argument(..., help="final.xlsx"),
    certificates: Path = typer.Option(None, "--certificates", help="A folder for the PNGs."),
    organiser: str = typer.Option("", "--organiser", help="Who awards the certificates."),
    lang: str = typer.Option("zh", "--lang"),
) -> None:
    """Export the final's record: 成绩, 记录 (every event), 抢答 (every buzz), 观众题."""

    async def go() -> list[tuple[str, bytes]]:
        async with open_session() as session:
            await export_final(
                session,
                actor=Actor.operator(),
                final_id=final_id,
                path=path,
                lang=lang,
                clock=utcnow,
            )
            if certificates is None:
                return []
            return await _certificates(session, final_id, organiser, lang)

    try:
        pictures = run_async(go)
    except ContestError as exc:
        typer.echo(both(f"contest.error.{exc.code}", **exc.params), err=True)
        raise typer.Exit(EXIT_REJECTED) from None
    if certificates is not None:
        certificates.mkdir(parents=True, exist_ok=True)
        for name, png in pictures:
            (certificates / name).write_bytes(png)
    typer.echo(both("live.cli.exported", id=final_id, path=path, count=len(pictures)))


async def _certificates(
    session: AsyncSession, final_id: int, organiser: str, lang: str
) -> list[tuple[str, bytes]]:
    """A certificate per team on the podium (scheduler's certificate, the team as its name)."""
    from scheduler.certificate import CertificateData, certificate_png  # matplotlib: slow

    final = await session.get(LiveFinal, final_id)
    assert final is not None
    competition = await session.get(Competition, final.competition_id)
    day = (final.finished_at or utcnow()).date()
    pictures = []
    for place in await placings(session, final_id=final_id):
        if place.rank > 3:
            continue
        data = CertificateData(
            name=place.team,
            competition=final.name,
            team="、".join(place.players),
            organiser=organiser or (competition.name if competition else ""),
            day=day,
            rank=place.rank,
            tied=place.tied,
            score=place.score,
            precision=0,
            lang=lang,
        )
        pictures.append((f"{place.rank}-{place.seat}.png", await certificate_png(data)))
    return pictures
