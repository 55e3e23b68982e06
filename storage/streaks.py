"""Streaks: consecutive ISO weeks with at least one entry.

A week counts when it has an entry. A week that ended with no entry breaks the streak, unless some day of it
was paused: a paused (frozen) week neither counts nor breaks it. The week in progress cannot break anything
yet: until it ends, the streak stands as it did when last week closed.

`streak_state` is the pure rule over dates; `member_streak` reads a member's days and pauses and applies it.
/progress shows `progress_line(state)`; the weekly nudge words the same state (bot/nudges.py), so they agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlite_utils import Database

from storage import board
from storage.clock import week_start

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class StreakState:
    """Where a member's streak stands on one day."""

    weeks: int  # weeks in the live streak (this week included when it already counts); 0 when none is alive
    counts_this_week: bool  # this week already has an entry
    frozen: bool  # paused on this very day: the streak neither grows nor breaks while the pause lasts
    broken_last_week: bool  # a streak was alive until last week closed with no entry and no pause
    ended_weeks: int = 0  # how long that broken streak was (0 unless broken_last_week)
    paused_last_week: bool = False  # some day of last week was paused, so last week could not break it
    paused_this_week: bool = False  # some day of this week is paused, so this week cannot break it either
    last_active: date | None = None  # the latest day with an entry, up to the day asked about


def _run(weeks: set[date], frozen: set[date], cursor: date) -> int:
    """Weeks with an entry counting back from `cursor`, stepping over frozen weeks, up to the first missed one."""
    count = 0
    while cursor in weeks or cursor in frozen:  # both sets are finite, so this ends
        count += cursor in weeks
        cursor -= WEEK
    return count


def streak_state(days: Iterable[date], today: date, frozen_weeks: Iterable[date] = (),
                 paused_today: bool = False) -> StreakState:
    """The streak on `today`, from the days with an entry and any day of each paused week."""
    active = [d for d in days if d <= today]
    weeks = {week_start(d) for d in active}
    frozen = {week_start(d) for d in frozen_weeks}
    current = week_start(today)
    last = current - WEEK
    counts_this_week = current in weeks
    standing = _run(weeks, frozen, last)  # the streak as it stood when last week closed
    broken = last not in weeks and last not in frozen
    ended = _run(weeks, frozen, last - WEEK) if broken else 0
    return StreakState(
        weeks=standing + (1 if counts_this_week else 0),
        counts_this_week=counts_this_week,
        frozen=paused_today,
        broken_last_week=ended > 0,
        ended_weeks=ended,
        paused_last_week=last in frozen,
        paused_this_week=current in frozen,
        last_active=max(active, default=None),
    )


def streak(days: Iterable[date], today: date, frozen_weeks: Iterable[date] = ()) -> tuple[int, bool]:
    """(weeks in the streak, whether this week already counts): `streak_state` in short."""
    state = streak_state(days, today, frozen_weeks)
    return state.weeks, state.counts_this_week


# A member's pauses: their own, and their cohort's (a cohort-wide pause for exams freezes everyone's streak).
_PAUSES = ("SELECT member_id, starts_on, ends_on FROM pauses WHERE member_id IN ({ids}) UNION ALL "
           "SELECT m.id, p.starts_on, p.ends_on FROM cohort_pauses AS p JOIN members AS m ON m.cohort_id = p.cohort_id "
           "WHERE m.id IN ({ids}) ORDER BY 1, 2")


def paused_spans(db: Database, member_id: int) -> list[tuple[date, date]]:
    """The member's pauses, their cohort's included, as (first day, day after the last), oldest first."""
    return paused_spans_of(db, [member_id])[member_id]


def paused_spans_of(db: Database, member_ids: list[int]) -> dict[int, list[tuple[date, date]]]:
    """`paused_spans` for many members at once (member id -> their spans, oldest first): one statement."""
    spans: dict[int, list[tuple[date, date]]] = {mid: [] for mid in member_ids}
    marks = ",".join("?" * len(member_ids))
    if member_ids:
        for mid, starts, ends in db.execute(_PAUSES.format(ids=marks), [*member_ids, *member_ids]):
            spans[mid].append((date.fromisoformat(starts), date.fromisoformat(ends)))
    return spans


def _weeks_touched(spans: Iterable[tuple[date, date]], until: date) -> list[date]:
    """The Monday of every week with a paused day on or before `until`."""
    out: list[date] = []
    for starts, ends in spans:
        last_day = min(ends - timedelta(days=1), until)
        if last_day < starts:  # resumed the day it began (or not begun yet): no day was paused
            continue
        cursor = week_start(starts)
        while cursor <= last_day:
            out.append(cursor)
            cursor += WEEK
    return out


def member_streak(db: Database, member_id: int, today: date) -> StreakState:
    """A member's streak on `today`, from their active days (storage/board.py) and their pauses."""
    spans = paused_spans(db, member_id)
    return streak_state(board.active_days(db, member_id, today), today, _weeks_touched(spans, today),
                        any(starts <= today < ends for starts, ends in spans))


BATCH = 500  # members per statement in member_streaks


def member_streaks(db: Database, days: Mapping[int, date]) -> dict[int, StreakState]:
    """`member_streak(db, member, today)` for many members at once (member id -> their own today): two
    statements per 500 members instead of two per member. The days are read from `member_days`, exactly as
    storage.board.active_days reads them for one member, and the pauses by `paused_spans_of` (a cohort-wide pause
    freezes everyone's streak)."""
    out: dict[int, StreakState] = {}
    ids = list(days)
    for i in range(0, len(ids), BATCH):
        chunk = ids[i:i + BATCH]
        marks = ",".join("?" * len(chunk))
        latest = max(days[mid] for mid in chunk).isoformat()
        active: dict[int, list[date]] = {mid: [] for mid in chunk}
        for mid, day in db.execute(f"SELECT member_id, day FROM member_days WHERE member_id IN ({marks}) "
                                   "AND day <= ? ORDER BY member_id, day DESC", [*chunk, latest]):
            active[mid].append(date.fromisoformat(day))
        spans = paused_spans_of(db, chunk)  # their own pauses and their cohort's, as member_streak reads them
        for mid in chunk:
            today = days[mid]
            out[mid] = streak_state([d for d in active[mid] if d <= today], today,
                                    _weeks_touched(spans[mid], today),
                                    any(starts <= today < ends for starts, ends in spans[mid]))
    return out


def _weeks(n: int) -> str:
    return f"{n} {'week' if n == 1 else 'weeks'}"


def progress_line(state: StreakState) -> str:
    """The one line /progress shows about the streak."""
    if state.frozen:
        if state.weeks:
            return (f"Streak: {_weeks(state.weeks)}, frozen while you are paused: it will not grow or break "
                    "until the pause ends.")
        return "Streak: frozen while you are paused. Log one entry after the pause to start one."
    if state.counts_this_week:
        return f"Streak: {_weeks(state.weeks)} in a row. Keep it going!"
    if state.weeks and state.paused_this_week:
        return f"Streak: {_weeks(state.weeks)}, safe this week thanks to your pause; an entry adds a week."
    if state.weeks:
        return f"Streak: {_weeks(state.weeks)}; log one entry by Sunday to keep it."
    if state.broken_last_week:
        return (f"Your {state.ended_weeks}-week streak ended: nothing was logged last week. Log one entry "
                "this week to start a new one.")
    if state.last_active is not None:
        return "No streak running: log one entry this week to start one."
    return "No streak yet: log one entry this week to start one."

