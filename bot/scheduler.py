"""The scheduled sweep: APScheduler wakes it; the ledger, not the scheduler, decides what gets sent.

`sweep()` plans everything due now (bot/nudges.py) and delivers it (bot/delivery.py). It is safe to run at any
time and any number of times: a second run in the same week sends nothing new.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery import Deliverer, Report
from bot.nudges import plan
from bot.outgoing import Outgoing
from commands.model import Deps

log = logging.getLogger(__name__)
SWEEP_JOB_ID = "cohortbot-sweep"


async def sweep(deps: Deps, deliverer: Deliverer, *, kinds: Iterable[str] = ("nudge", "follow_up", "summary"),
                now: datetime | None = None) -> Report:
    moment = now or deps.clock()
    planned: list[Outgoing] = plan(deps.db, moment, deps.default_tz, kinds=kinds)
    report = await deliverer.deliver(planned)
    if planned:
        log.info("sweep at %s: %d due, %d sent, %d recovered, %d skipped, %d in doubt, %d failed",
                 moment.isoformat(), len(planned), report.sent, report.recovered, report.skipped, report.in_doubt,
                 report.failed)
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
