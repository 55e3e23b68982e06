"""The scheduled sweep: APScheduler wakes it; the ledger, not the scheduler, decides what gets sent.

`sweep()` plans everything due now (bot/nudges.py) and delivers it (bot/delivery.py). It is safe to run at any
time and any number of times: a second run in the same week sends nothing new.

Inside `cohortbot serve` the sweep shares the event loop with slash commands, so it plans in small steps (one
page of members, a few statements for the whole page) and awaits between them, and it plans and delivers in
bounded batches. Planning stays on the event loop rather than in a worker thread with its own connection: the
work is mostly Python, so a thread would hold the GIL, and a command could wait up to the 5 ms switch interval
each time it gives the GIL up (every SQLite call; a command makes about 15); and the ledger would be read and
written from two connections. Stepping on the loop bounds a command's wait by one step (~5 ms) and keeps
one connection, one writer and the ledger as they were.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery import Deliverer, Report
from bot.nudges import PAGE, SCAN, plan_steps
from bot.outgoing import Outgoing
from commands.model import Deps

log = logging.getLogger(__name__)
SWEEP_JOB_ID = "cohortbot-sweep"
BACKUP_JOB_ID = "cohortbot-nightly-backup"
BATCH = 500  # messages planned and then delivered together: what bounds a fan-out's memory
# Between two planning steps the sweep sleeps this long rather than sleep(0): a command takes several turns of the
# event loop (read, verify, dispatch, answer), and with sleep(0) it would get one turn between two steps.
STEP_PAUSE = 0.001


async def sweep(deps: Deps, deliverer: Deliverer, *, kinds: Iterable[str] = ("nudge", "follow_up", "summary"),
                now: datetime | None = None, batch: int = BATCH, page: int = PAGE, scan: int = SCAN) -> Report:
    """Plan and send everything due, in bounded batches: plan up to `batch` messages (in steps of at most `page`
    due members, or `scan` members read, awaiting between steps, so a command on the same event loop waits for
    at most one step), deliver them, then plan the next. The deliverer never gets more than `batch` at once, and
    no more than `batch` plus one step's messages are planned at any time, whatever the number due.

    While it runs, the objects that existed before it are frozen out of the garbage collector's full passes
    (gc.freeze, undone at the end): a big fan-out makes many objects, so full passes come often, and each would
    otherwise walk the whole server (20-60 ms here, inside a planning step or a command; 1-3 ms frozen)."""
    moment = now or deps.clock()
    gc.freeze()
    try:
        report, due, batches, longest = await _sweep(deps, deliverer, moment, kinds, batch, page, scan)
    finally:
        gc.unfreeze()
    if due:
        log.info("sweep at %s: %d due in %d batches (longest planning step %.0f ms, most CPU in a step %.0f ms), "
                 "%d sent, %d recovered, %d skipped, %d in doubt, %d failed", moment.isoformat(), due, batches,
                 longest[0] * 1000, longest[1] * 1000, report.sent, report.recovered, report.skipped,
                 report.in_doubt, report.failed)
    return report


async def _sweep(deps: Deps, deliverer: Deliverer, moment: datetime, kinds: Iterable[str], batch: int, page: int,
                 scan: int) -> tuple[Report, int, int, tuple[float, float]]:
    """(report, messages due, batches delivered, (the longest planning step, the most CPU one step took) in s)."""
    report = Report()
    waiting: list[Outgoing] = []
    due = batches = 0
    longest = (0.0, 0.0)  # wall-clock includes time the OS gave other processes
    steps = plan_steps(deps.db, moment, deps.default_tz, kinds=kinds, page=page, scan=scan)
    while True:
        started, cpu = time.perf_counter(), time.thread_time()
        step = next(steps, None)
        longest = (max(longest[0], time.perf_counter() - started), max(longest[1], time.thread_time() - cpu))
        if step is not None:
            waiting += step
            due += len(step)
        while len(waiting) >= batch or (step is None and waiting):
            report.add(await deliverer.deliver(waiting[:batch]))
            del waiting[:batch]
            batches += 1
        if step is None:
            return report, due, batches, longest
        await asyncio.sleep(STEP_PAUSE)  # let commands (and sends in flight) run between pages


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
