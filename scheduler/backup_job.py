"""The daily backup job (BACKUP_DIR, BACKUP_TIME, BACKUP_KEEP), run like any other job.

The copy is made while the job is prepared, in a worker thread and outside any transaction
(a write lock held for the length of a backup would stall every answer); the run record
then says it was done. A failure is recorded as ``error`` and logged with its reason.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ops.backup import daily_backup
from ops.metrics import BACKUPS
from scheduler.context import Apply, JobContext
from scheduler.jobs import Job

logger = logging.getLogger(__name__)


async def prepare_backup(ctx: JobContext, job: Job, when: datetime) -> Apply | None:
    settings = ctx.settings
    if settings.backup_dir is None:
        return None
    try:
        result = await asyncio.to_thread(
            daily_backup,
            settings.database_url,
            settings.backup_dir,
            when=when,
            keep=settings.backup_keep,
        )
    except Exception:
        BACKUPS.labels(result="error").inc()
        raise
    BACKUPS.labels(result="ok").inc()
    logger.info(
        "backup %s written (%.1f MB in %.1fs)", result.path, result.size / 1e6, result.seconds
    )

    async def apply(session: AsyncSession) -> str:
        return "done"

    return apply
