"""Prometheus metrics (prometheus-client), correct with one process or many.

Every metric is named ``qualityquiz_*``. With several processes (bots on PostgreSQL, a
separate scheduler) set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by all of
them *before* they start: prometheus-client then keeps each process's values in files there,
and ``/metrics`` in any process serves the sum over all of them. Without it each process
counts in memory and serves its own numbers.

The recording helpers below are what the edges call; they take plain values so that the
callers need not know prometheus-client (and the core never imports this module).
"""

from __future__ import annotations

import os
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Replies: most are tens of milliseconds; a crowd behind the 1/s per-chat pace takes seconds.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
DB_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)

UPDATES_RECEIVED = Counter(
    "qualityquiz_updates_received_total", "Updates taken from Telegram, by kind.", ["kind"]
)
UPDATES_HANDLED = Counter(
    "qualityquiz_updates_handled_total",
    "Updates finished, by kind and result (handled, unhandled: no handler matched, error).",
    ["kind", "result"],
)
UPDATE_SECONDS = Histogram(
    "qualityquiz_update_handling_seconds",
    "Time from receipt of an update until its handler returned.",
    ["kind"],
    buckets=LATENCY_BUCKETS,
)
REPLY_SECONDS = Histogram(
    "qualityquiz_reply_latency_seconds",
    "Time from receipt of an update until Telegram accepted the last reply made for it.",
    ["kind"],
    buckets=LATENCY_BUCKETS,
)
DB_TRANSACTION_SECONDS = Histogram(
    "qualityquiz_db_transaction_seconds",
    "Database transaction time, from BEGIN to COMMIT or ROLLBACK.",
    ["end"],
    buckets=DB_BUCKETS,
)
ANSWERS = Counter(
    "qualityquiz_answers_total",
    "Answers by outcome: scored (stored, counted), timeout (stored late, 0 points), "
    "closed (duplicate or stale: refused), empty (submit with nothing selected).",
    ["outcome"],
)
TELEGRAM_REQUESTS = Counter(
    "qualityquiz_telegram_requests_total",
    "Bot API calls by method and result (ok or the error class).",
    ["method", "result"],
)
RETRY_AFTER = Counter(
    "qualityquiz_telegram_429_total", "429 Too Many Requests answers, by method.", ["method"]
)
RETRY_AFTER_SECONDS = Counter(
    "qualityquiz_telegram_retry_after_seconds_total",
    "Seconds waited for Telegram's retry_after.",
)
OUTBOX_BACKLOG = Gauge(
    "qualityquiz_outbox_backlog",
    "Outbox messages due now and not yet sent (as last seen by the scheduler).",
    multiprocess_mode="livemostrecent",
)
OUTBOX_DELIVERED = Counter(
    "qualityquiz_outbox_delivered_total",
    "Outbox deliveries by status (sent, failed, blocked, retrying).",
    ["status"],
)
SCHEDULER_RUNS = Counter(
    "qualityquiz_scheduler_runs_total",
    "Scheduled job runs by kind and outcome.",
    ["kind", "outcome"],
)
SCHEDULER_MISSED = Counter(
    "qualityquiz_scheduler_missed_total",
    "Job runs that fired late (missed while down or busy, caught up once), by kind.",
    ["kind"],
)
SCHEDULER_LEASE = Gauge(
    "qualityquiz_scheduler_lease_held",
    "1 in the process whose scheduler holds the lease.",
    multiprocess_mode="livesum",
)
ERRORS = Counter(
    "qualityquiz_errors_total", "Unexpected errors by where and exception class.", ["where", "kind"]
)
UPDATES_GIVEN_UP = Counter(
    "qualityquiz_updates_given_up_total",
    "Updates not handled within their useful time (the worker was told), by last cause.",
    ["cause"],
)
BACKUPS = Counter("qualityquiz_backups_total", "Database backups by result.", ["result"])

LATE_RUN_SECONDS = 60.0  # a run that fires this long after its time counts as missed


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def metrics_response() -> tuple[bytes, str]:
    """The exposition text and its content type, for this process or all processes."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def mark_process_dead() -> None:
    """Drop this process's live gauges from the shared directory (on a clean stop)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(os.getpid())


# --- recording helpers ---------------------------------------------------------------------


def count_answer(outcome: str) -> None:
    ANSWERS.labels(outcome=outcome).inc()


def count_retry_after(method: str, waited: float) -> None:
    RETRY_AFTER.labels(method=method).inc()
    RETRY_AFTER_SECONDS.inc(waited)


def count_given_up(cause: str) -> None:
    UPDATES_GIVEN_UP.labels(cause=cause).inc()


def count_error(where: str, exc: BaseException) -> None:
    ERRORS.labels(where=where, kind=type(exc).__name__).inc()


def count_delivery(*, sent: int, failed: int, blocked: int, retrying: int) -> None:
    for status, n in (("sent", sent), ("failed", failed), ("blocked", blocked)):
        if n:
            OUTBOX_DELIVERED.labels(status=status).inc(n)
    if retrying:
        OUTBOX_DELIVERED.labels(status="retrying").inc(retrying)


def set_outbox_backlog(n: int) -> None:
    OUTBOX_BACKLOG.set(n)


def set_lease_held(held: bool) -> None:
    SCHEDULER_LEASE.set(1 if held else 0)


def count_job_run(kind: str, outcome: str, *, late_by: float) -> None:
    SCHEDULER_RUNS.labels(kind=kind, outcome=outcome).inc()
    if late_by > LATE_RUN_SECONDS:
        SCHEDULER_MISSED.labels(kind=kind).inc()


# --- database transactions -----------------------------------------------------------------

_BEGAN = "qualityquiz_began"


def instrument_engine(engine: AsyncEngine) -> None:
    """Time every transaction on ``engine`` (SQLAlchemy connection events)."""
    sync_engine = engine.sync_engine
    if getattr(sync_engine, "_qualityquiz_timed", False):
        return
    event.listen(sync_engine, "begin", _on_begin)
    event.listen(sync_engine, "commit", _on_end("commit"))
    event.listen(sync_engine, "rollback", _on_end("rollback"))
    sync_engine._qualityquiz_timed = True  # type: ignore[attr-defined]


def _on_begin(connection: Any) -> None:
    connection.info[_BEGAN] = time.perf_counter()


def _on_end(end: str) -> Any:
    histogram = DB_TRANSACTION_SECONDS.labels(end=end)

    def listener(connection: Any) -> None:
        began = connection.info.pop(_BEGAN, None)
        if began is not None:
            histogram.observe(time.perf_counter() - began)

    return listener
