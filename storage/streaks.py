"""Streaks: consecutive ISO weeks with at least one entry (pure functions over dates)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from storage.clock import week_start


def streak(days: Iterable[date], today: date, frozen_weeks: Iterable[date] = ()) -> tuple[int, bool]:
    """(weeks in the streak, whether this week already counts).

    The streak runs back from this week, or from last week when this week has nothing yet (it is still
    alive until this week ends). Frozen weeks (a pause) neither count nor break it.
    """
    weeks = {week_start(d) for d in days if d <= today}
    frozen = {week_start(d) for d in frozen_weeks}
    current = week_start(today)
    this_week = current in weeks
    cursor = current if this_week else current - timedelta(days=7)
    count = 0
    while True:
        if cursor in weeks:
            count += 1
        elif cursor not in frozen:
            break
        cursor -= timedelta(days=7)
        if count == 0 and cursor < current - timedelta(days=7 * 520):
            break
    return count, this_week
