"""What a running command knows: the request, its dependencies, the member, the cohort and their today."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commands.model import CommandRequest, Deps
from storage.members import Cohort, Member, Membership


@functools.lru_cache(maxsize=1024)
def zone(name: str | None, fallback: str) -> ZoneInfo:
    # Cached: ZoneInfo keeps only its 8 most recent zones alive, so with members in more timezones than that
    # every look-up re-read the zone file from disk (a fifth of the weekly nudge planner's time).
    for candidate in (name, fallback, "UTC"):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def local_today(moment: datetime, tz_name: str | None, fallback: str) -> date:
    return moment.astimezone(zone(tz_name, fallback)).date()


@dataclass
class Context:
    request: CommandRequest
    deps: Deps
    membership: Membership

    @property
    def member(self) -> Member:
        return self.membership.member

    @property
    def cohort(self) -> Cohort:
        return self.membership.cohort

    @property
    def now(self) -> datetime:
        return self.request.received_at

    @property
    def today(self) -> date:
        """The member's own calendar day, in their timezone."""
        return local_today(self.now, self.member.tz, self.deps.default_tz)
