"""Sending planned messages exactly once: claim in the ledger, send through the platform, mark as sent.

A claim left behind by a process that died mid-send is "in doubt": before sending again, the notifier is asked
whether the message already reached the platform (Slack: message metadata carrying the ledger key, found in the
conversation's history). Sends are paced per channel and per workspace; the Web API client honours 429s.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlite_utils import Database

from bot.outgoing import Outgoing
from storage import ledger

log = logging.getLogger(__name__)
RECOVERY_WINDOW = timedelta(minutes=10)


class NotSent(Exception):
    """The platform refused the message, so it certainly was not delivered (safe to try again later)."""


class CheckLater(Exception):
    """The notifier may not look for a send in doubt just now (the platform's rate limit for reading a conversation,
    say): the claim stays in doubt, nothing is sent, and the next sweep asks again. Expected, so logged quietly."""


class Notifier(Protocol):
    platform: str

    async def send(self, out: Outgoing) -> str:
        """Deliver `out`; return the platform's message reference. Raise NotSent when it surely failed."""
        ...

    async def find_sent(self, out: Outgoing, since: datetime) -> str | None:
        """The reference of `out` if it already reached the platform after `since` (crash recovery). Raise
        CheckLater when it may not look just now."""
        ...


class Pacer:
    """At most `rate` sends a second (0 = unlimited), shared by everyone who awaits it."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_at = 0.0
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self.interval:
            return
        async with self.lock:
            now = time.monotonic()
            delay = self.next_at - now
            self.next_at = max(now, self.next_at) + self.interval
        if delay > 0:
            await asyncio.sleep(delay)


UNPACED = Pacer(0)  # never waits and keeps no state: shared by every channel when per-channel pacing is off


@dataclass
class Report:
    sent: int = 0
    recovered: int = 0  # found already delivered after a crash, not sent again
    skipped: int = 0  # sent before
    in_doubt: int = 0  # may have arrived: claimed by a send that did not finish; checked again after the lease
    failed: int = 0  # certainly not delivered this time (it is tried again on the next sweep)
    no_notifier: int = 0
    keys: list[str] = field(default_factory=list)

    def add(self, other: Report) -> None:
        """Count `other` (one batch's report) into this one."""
        self.sent += other.sent
        self.recovered += other.recovered
        self.skipped += other.skipped
        self.in_doubt += other.in_doubt
        self.failed += other.failed
        self.no_notifier += other.no_notifier
        self.keys += other.keys


@dataclass
class Deliverer:
    db: Database
    notifiers: dict[str, Notifier]
    clock: Callable[[], datetime]
    lease_seconds: float = 120.0  # how long a claim is trusted before it is treated as in doubt
    workspace_rate: float = 20.0
    channel_interval: float = 1.1
    concurrency: int = 16
    _pacers: dict[tuple[str, str], Pacer] = field(default_factory=dict)
    _channel_pacers: dict[str, Pacer] = field(default_factory=dict)

    def _pacer(self, out: Outgoing) -> Pacer:
        key = (out.platform, out.workspace)
        if key not in self._pacers:
            self._pacers[key] = Pacer(self.workspace_rate)
        return self._pacers[key]

    def _channel_pacer(self, out: Outgoing) -> Pacer:
        if self.channel_interval <= 0:
            return UNPACED  # nothing to remember per channel (100,000 DMs would keep 100,000 pacers)
        key = f"{out.platform}:{out.workspace}:{out.target}"
        if key not in self._channel_pacers:
            self._channel_pacers[key] = Pacer(1.0 / self.channel_interval)
        return self._channel_pacers[key]

    def _forget_idle_channels(self) -> None:
        """Drop the pacers of channels whose next send may go at once: a new pacer behaves the same, and a
        weekly fan-out would otherwise keep one per member for the life of the server."""
        now = time.monotonic()
        for key in [k for k, p in self._channel_pacers.items() if p.next_at <= now and not p.lock.locked()]:
            del self._channel_pacers[key]

    async def deliver(self, planned: Sequence[Outgoing]) -> Report:
        """Send `planned` (claim, send, mark; at most `concurrency` at once).

        The sweep hands over one bounded batch at a time; pacing carries on across batches (the pacers belong to
        the Deliverer, not to one call)."""
        report = Report()
        todo = iter(planned)

        async def worker() -> None:  # `concurrency` workers take the next message as each send ends
            for out in todo:
                await self._deliver_one(out, report)

        try:
            await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(planned)))))
        finally:
            self._forget_idle_channels()
        return report

    async def _deliver_one(self, out: Outgoing, report: Report) -> None:
        notifier = self.notifiers.get(out.platform)
        if notifier is None:
            report.no_notifier += 1
            return
        now = self.clock()
        claim = ledger.claim(self.db, key=out.key, kind=out.kind, workspace_key=out.workspace_key,
                             target=out.target, now=now, lease_seconds=self.lease_seconds,
                             member_id=out.member_id, cohort_id=out.cohort_id, card_id=out.card_id)
        if claim is None:
            if ledger.status(self.db, out.key) == "claimed":
                report.in_doubt += 1  # another live claim: a sender that may still be running, or crashed
            else:
                report.skipped += 1
            return
        if not claim.fresh:
            since = datetime.fromisoformat(claim.claimed_at) - RECOVERY_WINDOW
            try:
                found = await notifier.find_sent(out, since)
            except Exception as problem:
                if isinstance(problem, CheckLater):
                    log.info("%s stays in doubt until the next sweep: %s", out.key, problem)
                else:
                    log.exception("could not check whether %s was delivered; leaving it for the next sweep", out.key)
                # Put the claim's time back, or failed checks would move the next search past the lost send.
                ledger.restore_claim(self.db, out.key, claim.claimed_at, taken_at=now)
                report.in_doubt += 1
                return
            if found:
                ledger.mark_sent(self.db, out.key, self.clock(), found)
                report.recovered += 1
                return
        await self._pacer(out).wait()
        await self._channel_pacer(out).wait()
        try:
            ref = await notifier.send(out)
        except NotSent as problem:
            log.warning("%s not delivered (%s); will try again on the next sweep", out.key, problem)
            ledger.release(self.db, out.key)
            report.failed += 1
            return
        except Exception:
            # The message may or may not have arrived: keep the claim, the next sweep checks before resending.
            log.warning("sending %s failed in doubt: %s", out.key, sys.exc_info()[1])
            report.in_doubt += 1
            return
        ledger.mark_sent(self.db, out.key, self.clock(), ref)
        report.sent += 1
        report.keys.append(out.key)
