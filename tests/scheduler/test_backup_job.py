"""The daily backup is a job like the others: derived from BACKUP_DIR, fired once at
BACKUP_TIME in the configured time zone, recorded in job_run, the last BACKUP_KEEP kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from ops.backup import integrity
from scheduler.context import JobContext
from scheduler.dispatch import run_due_jobs
from scheduler.jobs import global_jobs
from scheduler.models import JobRun
from tests.conftest import MovableClock

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def with_backups(ctx: JobContext, folder: Path, **extra: object) -> JobContext:
    settings = ctx.settings.model_copy(
        update={"backup_dir": folder, "backup_time": "03:00", "backup_keep": 2, **extra}
    )
    return JobContext(settings=settings, session_factory=ctx.session_factory, clock=ctx.clock)


def test_no_backup_job_unless_a_folder_is_set(settings: Settings, tmp_path: Path) -> None:
    assert "backup" not in {job.key for job in global_jobs(settings)}
    daily = settings.model_copy(update={"backup_dir": tmp_path, "backup_time": "02:30"})
    job = next(job for job in global_jobs(daily) if job.key == "backup")
    assert job.schedule == "30 2 * * *" and job.timezone == "Asia/Shanghai"


@sqlite_only
async def test_backup_fires_once_a_day_at_its_local_time_and_keeps_the_newest(
    ctx: JobContext, clock: MovableClock, session: AsyncSession, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    daily = with_backups(ctx, folder)
    clock.set(datetime(2026, 9, 1, 18, 59, tzinfo=UTC))  # 02:59 in Shanghai
    assert "backup" not in {f.key for f in await run_due_jobs(daily)}
    for day in range(3):
        clock.set(datetime(2026, 9, 1 + day, 19, 0, 30, tzinfo=UTC))  # 03:00:30 in Shanghai
        fired = {f.key: f.outcome for f in await run_due_jobs(daily)}
        assert fired.get("backup") == "done"
        assert "backup" not in {f.key for f in await run_due_jobs(daily)}  # once
    files = sorted(folder.iterdir())
    assert [f.name for f in files] == [
        "qualityquiz-20260902T1900Z.db",
        "qualityquiz-20260903T1900Z.db",
    ]
    assert all(integrity(f) == "ok" for f in files)
    run = await session.get(JobRun, ("backup", datetime(2026, 9, 3, 19, 0, tzinfo=UTC)))
    assert run is not None and run.outcome == "done"


@sqlite_only
async def test_a_failing_backup_is_recorded_as_an_error(
    ctx: JobContext, clock: MovableClock, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("the backup folder cannot be created under a file")
    daily = with_backups(ctx, blocker / "backups")
    clock.set(datetime(2026, 9, 1, 19, 0, tzinfo=UTC) + timedelta(seconds=5))
    fired = {f.key: f.outcome for f in await run_due_jobs(daily)}
    assert fired["backup"] == "error"
