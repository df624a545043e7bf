"""``live`` commands: create a live final (现场决赛) from roster teams, print its links, and
export its record as a workbook with the results picture and the certificates (荣誉证书) of
the first three places. Run as the operator, audited (``via: cli``)."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from cli.common import EXIT_REJECTED, open_session, run_async
from config import load_settings
from contest.admin.policy import Actor
from contest.errors import ContestError
from contest.live.links import FinalLinks, issue_links
from contest.live.models import LiveFinal
from contest.live.record import export_final, placings
from contest.live.setup import create_final, roster_teams, set_rules
from contest.models import Competition
from i18n import both
from storage.ids import id_of
from storage.types import utcnow

app = typer.Typer(no_args_is_help=True)


@app.command()
def create(
    competition_id: int = typer.Argument(..., metavar="COMPETITION"),
    teams: str = typer.Argument(..., help="Roster team ids: 3,4,5,6"),
    name: str = typer.Option("质量知识竞赛决赛", "--name"),
    preset: str = typer.Option("standard", "--preset", help="standard or regional"),
    players: int = typer.Option(3, "--players", min=1, max=5, help="Players per team."),
    buzzer: str = typer.Option("team", "--buzzer", help="team: a link per team; player: each"),
) -> None:
    """Create a final from roster teams (seats drawn by lot; questions drawn from the bank)."""

    async def go() -> int:
        async with open_session() as session:
            ids = [int(x) for x in teams.replace("，", ",").split(",") if x.strip().isdigit()]
            plans = await roster_teams(session, team_ids=ids, players=players)
            final = await create_final(
                session,
                actor=Actor.operator(),
                competition_id=competition_id,
                name=name,
                teams=plans,
                preset_name=preset,
                buzzer=buzzer,
                clock=utcnow,
            )
            return id_of(final)

    try:
        final_id = run_async(go)
    except ContestError as exc:
        typer.echo(both(f"contest.error.{exc.code}", **exc.params), err=True)
        raise typer.Exit(EXIT_REJECTED) from None
    typer.echo(both("live.cli.created", id=final_id))


@app.command()
def rule(
    final_id: int = typer.Argument(..., metavar="ID"),
    segment: int = typer.Argument(..., help="The segment's position: 1, 2, …"),
    changes: list[str] = typer.Argument(..., help="value=20 deduction=20 values=20/40/60"),
) -> None:
    """Change a segment's rules (each checked; the next ruling uses them)."""
    pairs = [c.split("=", 1) for c in changes]
    if any(len(p) != 2 for p in pairs):
        typer.echo("key=value …", err=True)
        raise typer.Exit(2)

    async def go() -> dict[str, object]:
        async with open_session() as session:
            row = await set_rules(
                session,
                actor=Actor.operator(),
                final_id=final_id,
                position=segment,
                changes=dict(pairs),
                clock=utcnow,
            )
            return dict(row.rules)

    try:
        rules = run_async(go)
    except ContestError as exc:
        typer.echo(both(f"contest.error.{exc.code}", **exc.params), err=True)
        raise typer.Exit(EXIT_REJECTED) from None
    text = ", ".join(f"{k}={v}" for k, v in rules.items())
    typer.echo(both("live.bot.rules", segment=segment, rules=text))


@app.command()
def links(
    final_id: int = typer.Argument(..., metavar="ID"),
    base: str = typer.Option(None, "--base", help="The public web address (WEB_PUBLIC_URL)."),
) -> None:
    """Print the host console, stage, hall and buzzer links (valid for 3 days)."""
    settings = load_settings()
    root = (base or settings.web_public_url or "").rstrip("/")

    async def go() -> FinalLinks:
        async with open_session(settings) as session:
            return await issue_links(
                session,
                actor=Actor.operator(),
                final_id=final_id,
                key=settings.web_key,
                clock=utcnow,
            )

    try:
        found = run_async(go)
    except ContestError as exc:
        typer.echo(both(f"contest.error.{exc.code}", **exc.params), err=True)
        raise typer.Exit(EXIT_REJECTED) from None
    typer.echo(f"host\t{root}/live/host/{found.host}")
    typer.echo(f"stage\t{root}/live/stage/{found.stage}")
    typer.echo(f"hall\t{root}/live/hall/{found.hall}")
    for item in found.buzzers:
        typer.echo(f"buzz\t{item.team}\t{item.player}\t{root}/live/buzz/{item.token}")


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
    """The results picture, and a certificate per team on the podium (the team as its name)."""
    from scheduler.certificate import CertificateData, certificate_png  # matplotlib: slow
    from scheduler.live_picture import FinalPicture, Placed, render_png

    final = await session.get(LiveFinal, final_id)
    assert final is not None
    competition = await session.get(Competition, final.competition_id)
    day = (final.finished_at or utcnow()).date()
    places = await placings(session, final_id=final_id)
    board = FinalPicture(
        final.name, day, [Placed(p.rank, p.team, p.players, p.score, p.tied) for p in places], lang
    )
    pictures = [("results.png", await render_png(board))]
    for place in places:
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
