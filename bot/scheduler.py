"""The scheduled sweep: APScheduler wakes it; the ledger, not the scheduler, decides what gets sent.

`sweep()` plans everything due now (bot/nudges.py) and delivers it (bot/delivery.py). It is safe to run at any
time and any number of times: a second run in the same week sends nothing new.

Inside `cohortbot serve` the sweep shares the event loop with slash commands, so it plans in small steps (one
page of members, a few statements for the whole page) and awaits between them, and it plans and delivers in
bounded batches. Planning stays on the event loop rather than in a worker thread with its own connection: the
work is mostly Python, so a thread would hold the GIL, and a command could wait up to the 5 ms switch interval
each time it gives the GIL up (every SQLite call; a command makes about 15); and the ledger would be read and
written from two connections. Stepping on the loop bounds a command's wait by one step (~10-20 ms) and keeps
one connection, one writer and the ledger as they were.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery import Deliverer, Report
from bot.nudges import PAGE, plan_steps
from bot.outgoing import Outgoing
from commands.model import Deps

log = logging.getLogger(__name__)
SWEEP_JOB_ID = "cohortbot-sweep"
BACKUP_JOB_ID = "cohortbot-nightly-backup"
BATCH = 500  # messages planned and then delivered together: what bounds a fan-out's memory


async def sweep(deps: Deps, deliverer: Deliverer, *, kinds: Iterable[str] = ("nudge", "follow_up", "summary"),
                now: datetime | None = None, batch: int = BATCH, page: int = PAGE) -> Report:
    """Plan and send everything due, in bounded batches: plan up to `batch` messages (a page of `page` members at
    a time, awaiting between pages, so commands on the same event loop wait for at most one page), deliver
    them, then plan the next. The deliverer never gets more than `batch` at once, and no more than `batch` plus
    one step's messages are planned at any time, whatever the number due."""
    moment = now or deps.clock()
    report = Report()
    waiting: list[Outgoing] = []
    due = batches = 0
    longest = 0.0
    steps = plan_steps(deps.db, moment, deps.default_tz, kinds=kinds, page=page)
    while True:
        started = time.perf_counter()
        step = next(steps, None)
        longest = max(longest, time.perf_counter() - started)
        if step is not None:
            waiting += step
            due += len(step)
        while len(waiting) >= batch or (step is None and waiting):
            report.add(await deliverer.deliver(waiting[:batch]))
            del waiting[:batch]
            batches += 1
        if step is None:
            break
        await asyncio.sleep(0)  # let commands (and sends in flight) run between pages
    if due:
        log.info("sweep at %s: %d due in %d batches (longest planning step %.0f ms), %d sent, %d recovered, "
                 "%d skipped, %d in doubt, %d failed", moment.isoformat(), due, batches, longest * 1000, report.sent,
                 report.recovered, report.skipped, report.in_doubt, report.failed)
    return report


def start_scheduler(deps: Deps, deliverer: Deliverer, every_seconds: int) -> AsyncIOScheduler:
    """Start the sweep job on the running event loop (call from an aiohttp on_startup hook)."""
    scheduler = AsyncIOScheduler(timezone=UTC)

    async def job() -> None:
        try:
            await sweep(deps, deliverer)
        except Exception:  # one failed sweep must not stop the next
            log.exception("sweep failed")

    scheduler.add_job(job, "interval", seconds=every_seconds, id=SWEEP_JOB_ID, replace_existing=True,
                      coalesce=True, max_instances=1, next_run_time=datetime.now(UTC))
    scheduler.start()
    return scheduler


async def nightly_backup(db_path: str, directory: str, keep: int) -> None:
    """One nightly backup, in a worker thread with its own connection, so the event loop never waits on it."""
    from storage.backup import nightly

    try:
        copy, removed = await asyncio.to_thread(nightly, db_path, directory, keep)
    except Exception:  # a failed backup is logged; the server goes on, and tomorrow's runs
        log.exception("nightly backup of %s to %s failed", db_path, directory)
        return
    log.info("nightly backup written to %s (%d bytes, %d activities); %d old backups removed", copy.path,
             copy.size, copy.activities, len(removed))


def add_backup_job(scheduler: AsyncIOScheduler, db_path: str, directory: str, keep: int, hour: int) -> None:
    """Back the database up every day at `hour`:00 UTC into `directory`, keeping the newest `keep` copies."""
    scheduler.add_job(nightly_backup, "cron", hour=hour, minute=0, args=(db_path, directory, keep),
                      id=BACKUP_JOB_ID, replace_existing=True, coalesce=True, max_instances=1,
                      misfire_grace_time=3600)
