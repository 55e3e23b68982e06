"""How entries score, and the one pass that keeps stored points, counts and the board's totals in step.

The rules, as built (a cohort sets the numbers; the defaults are interview 3, offer bonus 5, cap 10):
- An interview round (screener, callback, clerkship, other) earns `interview` points and counts one interview; a
  networking meeting earns by its type (informational, event, any other meeting) and counts one meeting.
- An offer or a rejection is the outcome of an application, not another interview. An offer earns `offer_bonus`;
  when no interview round at that application happened in the IMPLIED_WINDOW_DAYS up to the offer (a live,
  confirmed one, not too old), the offer also counts the interview it implies: `interview` points more and one
  interview, counted, never stored as another row. A rejection earns nothing and counts nothing.
- A thank-you note adds THANKS_BONUS (not to a rejection).
- Only entries that happened score: planned, cancelled and deleted ones earn nothing and count nowhere. An entry
  dated more than TOO_OLD_DAYS before the day it was typed is stored but scores nothing and counts nowhere (not
  on the board, not under the caps).
- The same kind at the same organisation on the same day counts once (the first logged; for interviews the same
  application, so "Cravath" and "Cravath, Swaine & Moore" are one). An offer is not a duplicate of that day's
  interview round: outcomes only repeat other outcomes of the same kind.
- The daily cap holds twice, in logging order: per day an entry happened, and per day it was typed (an entry
  planned ahead is "typed" on the day it happens), so backdating cannot move the board by more than one cap a day.

Points and counts are stored on each entry; `rescore` recomputes the entries a change can move and keeps the
derived tables (member_days, member_totals) in step, inside the caller's transaction. The migrations use it too,
so this module imports nothing that opens a database.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlite_utils import Database

from storage.rules import ScoringRules

OUTCOMES = ("offer", "rejection")
THANKS_BONUS = 1
TOO_OLD_DAYS = 30  # typed more than this many days after the day it happened: stored, not scored
IMPLIED_WINDOW_DAYS = 183  # an offer implies an interview unless one at that application happened this recently


def base_points(kind: str, subtype: str, rules: ScoringRules, *, implied: bool = False) -> int:
    """What an entry earns before the caps and the thank-you bonus; an offer's `implied` interview included."""
    if kind == "interview":
        if subtype == "rejection":
            return 0
        if subtype == "offer":
            return rules.offer_bonus + (rules.interview if implied else 0)
        return rules.interview
    if subtype == "informational":
        return rules.informational
    if subtype == "event":
        return rules.event
    return rules.meeting


def is_round(kind: str, subtype: str) -> bool:
    """An interview round (not an outcome)."""
    return kind == "interview" and subtype not in OUTCOMES


@functools.lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_day(moment: datetime, *zones: str | None) -> date:
    """The calendar day at `moment` in the first of `zones` that names a real timezone, else in UTC."""
    for name in zones:
        zone = _zone(name) if name else None
        if zone is not None:
            return moment.astimezone(zone).date()
    return moment.astimezone(UTC).date()


def too_old(happened_on: str, logged_on: str | None) -> bool:
    """Dated more than TOO_OLD_DAYS before the day it was typed (ISO dates; no typed day: never too old)."""
    if not logged_on:
        return False
    return happened_on < (date.fromisoformat(logged_on) - timedelta(days=TOO_OLD_DAYS)).isoformat()


def typed_day(happened_on: str, logged_on: str | None) -> str:
    """The day whose typed-day cap an entry counts under: the day it was typed, or the day it happened if later."""
    return max(logged_on or happened_on, happened_on)


ENTRY_COLUMNS = ("id, created_at, cohort_id, kind, subtype, application_id, org_key, happened_on, logged_on, "
                 "status, deleted_at IS NOT NULL, thanked_at IS NOT NULL, points, counted")


class Entry(NamedTuple):
    """What scoring reads of one stored entry (ENTRY_COLUMNS, in order)."""

    id: int
    created_at: str
    cohort_id: int
    kind: str
    subtype: str
    application_id: int | None
    org_key: str
    happened_on: str
    logged_on: str | None
    status: str
    deleted: int
    thanked: int
    points: int
    counted: int


class State(NamedTuple):
    """An entry as it was or is, as far as what it can move goes (before and after a change)."""

    id: int
    created_at: str
    kind: str
    subtype: str
    application_id: int | None
    org_key: str
    happened_on: str
    logged_on: str | None


@dataclass(frozen=True)
class Score:
    points: int
    counted: bool  # counts one interview (rounds, an offer's implied interview) or one meeting on the board
    full: int  # what it would earn without the caps (0 when it does not score at all)
    too_old: bool
    duplicate: bool  # the same kind at the same organisation was logged first that day
    implied: bool  # an offer that counts the interview it implies
    capped_by: str = ""  # "day": the day it happened had reached the cap; "typed": the day it was typed had

    @property
    def capped(self) -> bool:
        return self.points < self.full


def _group(kind: str, application_id: int | None, org_key: str) -> str:
    return f"a{application_id}" if kind == "interview" and application_id is not None else f"o{org_key}"


def _same_key(kind: str, subtype: str, application_id: int | None, org_key: str, day: str) -> tuple[str, str, str]:
    """What "the same kind at the same organisation on the same day" compares."""
    category = subtype if kind == "interview" and subtype in OUTCOMES else kind
    return category, _group(kind, application_id, org_key), day


def _eligible(status: str, deleted: int, happened_on: str, logged_on: str | None) -> bool:
    return not deleted and status == "done" and not too_old(happened_on, logged_on)


def implied_interview(db: Database, member_id: int, application_id: int | None, org_key: str, day: str) -> bool:
    """Whether an offer dated `day` implies an interview: no scoring interview round at its application (its
    organisation, for an entry without one) happened in the IMPLIED_WINDOW_DAYS up to it."""
    since = (date.fromisoformat(day) - timedelta(days=IMPLIED_WINDOW_DAYS)).isoformat()
    where = "application_id = ?" if application_id is not None else "application_id IS NULL AND org_key = ?"
    found = db.execute(
        f"SELECT 1 FROM activities WHERE member_id = ? AND {where} AND kind = 'interview' "
        "AND subtype NOT IN ('offer', 'rejection') AND deleted_at IS NULL AND status = 'done' "
        "AND happened_on BETWEEN ? AND ? AND happened_on >= date(COALESCE(logged_on, happened_on), ?) LIMIT 1",
        [member_id, application_id if application_id is not None else org_key, since, day,
         f"-{TOO_OLD_DAYS} days"],
    ).fetchone()
    return found is None


class _Pass:
    """The running state of one rescoring pass over a member's entries in logging order: how much of each day's caps
    (by the day entries happened, and by the day they were typed) the entries so far used, and which (kind,
    organisation, day) they took. A day is read from the database the first time the pass needs it, as of the entry
    being scored (every entry before it is already final); from then on the pass keeps it up to date itself."""

    def __init__(self, db: Database, member_id: int, rules: ScoringRules, *, blank: bool) -> None:
        self.db, self.member_id, self.rules = db, member_id, rules
        self.blank = blank  # walking from the member's first entry: nothing came before
        self.day_used: dict[str, int] = {}
        self.typed_used: dict[str, int] = {}
        self.seen: set[tuple[str, str, str]] = set()

    def _load(self, e: Entry) -> None:
        day, typed = e.happened_on, typed_day(e.happened_on, e.logged_on)
        before = "(created_at < ? OR (created_at = ? AND id < ?))"
        args = [e.created_at, e.created_at, e.id]
        if day not in self.day_used:
            used = 0
            if not self.blank:
                for kind, subtype, app, key, logged, status, points in self.db.execute(
                    "SELECT kind, subtype, application_id, org_key, logged_on, status, points FROM activities "
                    f"WHERE member_id = ? AND happened_on = ? AND deleted_at IS NULL AND {before}",
                    [self.member_id, day, *args],
                ):
                    used += points
                    if _eligible(status, 0, day, logged):
                        self.seen.add(_same_key(kind, subtype, app, key, day))
            self.day_used[day] = used
        if typed not in self.typed_used:
            self.typed_used[typed] = 0 if self.blank else self.db.execute(
                "SELECT COALESCE(SUM(points), 0) FROM activities WHERE member_id = ? AND deleted_at IS NULL "
                "AND ((logged_on = ? AND happened_on <= ?) OR (happened_on = ? AND (logged_on IS NULL "
                f"OR logged_on <= ?))) AND {before}",
                [self.member_id, typed, typed, typed, typed, *args],
            ).fetchone()[0]

    def keep(self, e: Entry) -> None:
        """An entry the change cannot move: its stored points and its place still count for those after it."""
        if e.happened_on in self.day_used:
            self.day_used[e.happened_on] += e.points
            if _eligible(e.status, e.deleted, e.happened_on, e.logged_on):
                self.seen.add(_same_key(e.kind, e.subtype, e.application_id, e.org_key, e.happened_on))
        typed = typed_day(e.happened_on, e.logged_on)
        if typed in self.typed_used:
            self.typed_used[typed] += e.points

    def score(self, e: Entry) -> Score:
        old = too_old(e.happened_on, e.logged_on)
        if not _eligible(e.status, e.deleted, e.happened_on, e.logged_on):
            return Score(0, False, 0, old, False, False)
        self._load(e)
        day, typed = e.happened_on, typed_day(e.happened_on, e.logged_on)
        day_room, typed_room = self.rules.daily_cap - self.day_used[day], self.rules.daily_cap - self.typed_used[typed]
        key = _same_key(e.kind, e.subtype, e.application_id, e.org_key, day)
        if key in self.seen:
            return Score(0, False, 0, False, True, False)
        self.seen.add(key)
        implied = e.subtype == "offer" and e.kind == "interview" and implied_interview(
            self.db, self.member_id, e.application_id, e.org_key, day)
        full = base_points(e.kind, e.subtype, self.rules, implied=implied)
        if e.thanked and full:
            full += THANKS_BONUS
        points = max(0, min(full, day_room, typed_room))
        self.day_used[day] += points
        self.typed_used[typed] += points
        counted = e.kind == "networking" or is_round(e.kind, e.subtype) or implied
        capped_by = "" if points == full else "day" if day_room <= typed_room else "typed"
        return Score(points, counted, full, False, False, implied, capped_by)


def _offers_moved_by(db: Database, member_id: int, states: Iterable[State]) -> list[tuple[str, int]]:
    """(created_at, id) of the offers whose implied interview an interview round in `states` can change."""
    found: list[tuple[str, int]] = []
    for s in {s for s in states if is_round(s.kind, s.subtype)}:
        until = (date.fromisoformat(s.happened_on) + timedelta(days=IMPLIED_WINDOW_DAYS)).isoformat()
        where = "application_id = ?" if s.application_id is not None else "application_id IS NULL AND org_key = ?"
        found += db.execute(
            f"SELECT created_at, id FROM activities WHERE member_id = ? AND {where} AND kind = 'interview' "
            "AND subtype = 'offer' AND deleted_at IS NULL AND happened_on BETWEEN ? AND ?",
            [member_id, s.application_id if s.application_id is not None else s.org_key, s.happened_on, until],
        ).fetchall()
    return found


def states_of_day(db: Database, member_id: int, day: str) -> list[State]:
    rows = db.execute(
        "SELECT id, created_at, kind, subtype, application_id, org_key, happened_on, logged_on FROM activities "
        "WHERE member_id = ? AND happened_on = ?",
        [member_id, day],
    ).fetchall()
    return [State(*r) for r in rows]


def rescore(db: Database, member_id: int, rules: ScoringRules, states: Iterable[State], *,
            from_start: bool = False, keep_totals: bool = True) -> dict[int, Score]:
    """Recompute points and counts after a change to the entries described by `states` (each changed entry as it
    was before the change and as it is now), and move the member's day and all-time totals by the difference.

    An entry's score depends only on the entries logged before it on the same day (by the day it happened and by
    the day it was typed: caps, duplicates) and, for an offer, on the interview rounds at its application. So the
    pass starts at the earliest changed entry or affected offer, walks the entries logged since in logging order,
    and rescores those on a day something before them changed on. `from_start` rescores the member's whole
    history. Returns the scores of the entries rescored. Call inside a transaction.
    """
    states = list(states)
    offers = _offers_moved_by(db, member_id, states)
    seeds = {s.id for s in states} | {ident for _, ident in offers}
    days = {s.happened_on for s in states}
    dirty_days = set(days)
    dirty_typed = {typed_day(s.happened_on, s.logged_on) for s in states}
    if not (seeds or from_start):
        for day in sorted(days):
            record_day(db, member_id, day)
        return {}
    start = ("", 0) if from_start else min([(s.created_at, s.id) for s in states] + offers)
    walk = _Pass(db, member_id, rules, blank=from_start)
    scores: dict[int, Score] = {}
    writes: list[tuple[int, int, int]] = []  # from the start nothing reads stored points: written all at once
    for row in db.execute(
        f"SELECT {ENTRY_COLUMNS} FROM activities WHERE member_id = ? AND created_at >= ? ORDER BY created_at, id",
        [member_id, start[0]],
    ).fetchall():
        e = Entry(*row)
        if (e.created_at, e.id) < start:
            continue
        typed = typed_day(e.happened_on, e.logged_on)
        if not (from_start or e.id in seeds or e.happened_on in dirty_days or typed in dirty_typed):
            walk.keep(e)
            continue
        score = scores[e.id] = walk.score(e)
        if (score.points, int(score.counted)) != (e.points, e.counted):
            writes.append((score.points, int(score.counted), e.id))
            if not from_start:  # the next entries' days are read as stored
                db.conn.executemany(_WRITE, writes)
                writes.clear()
            days.add(e.happened_on)
            if score.points != e.points:  # what is left under this entry's caps changed for those after it
                dirty_days.add(e.happened_on)
                dirty_typed.add(typed)
    db.conn.executemany(_WRITE, writes)
    for day in sorted(days) if keep_totals else ():
        record_day(db, member_id, day)
    return scores


_WRITE = "UPDATE activities SET points = ?, counted = ? WHERE id = ?"


def record_day(db: Database, member_id: int, day: str) -> None:
    """Store a member's (points, interviews, meetings) for one day from its entries, and move their all-time
    totals by the change. Only `rescore` calls it, inside the transaction that changed the entries."""
    cohort_id, *now = db.execute(
        "SELECT MIN(cohort_id), COALESCE(SUM(points), 0), COALESCE(SUM(counted * (kind = 'interview')), 0), "
        "COALESCE(SUM(counted * (kind = 'networking')), 0) FROM activities "
        "WHERE member_id = ? AND happened_on = ? AND deleted_at IS NULL",
        [member_id, day],
    ).fetchone()
    totals = tuple(now)
    old = db.execute(
        "SELECT cohort_id, points, interviews, meetings FROM member_days WHERE member_id = ? AND day = ?",
        [member_id, day],
    ).fetchone()
    before = (old[1], old[2], old[3]) if old else (0, 0, 0)
    if before == totals:
        return
    cohort = cohort_id if cohort_id is not None else old[0]  # a member's entries are all in their cohort
    if totals == (0, 0, 0):
        db.execute("DELETE FROM member_days WHERE member_id = ? AND day = ?", [member_id, day])
    else:
        db.execute(
            "INSERT INTO member_days (member_id, day, cohort_id, points, interviews, meetings) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (member_id, day) DO UPDATE SET points = excluded.points, "
            "interviews = excluded.interviews, meetings = excluded.meetings",
            [member_id, day, cohort, *totals],
        )
    db.execute(
        "INSERT INTO member_totals (cohort_id, member_id, points, interviews, meetings) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (cohort_id, member_id) DO UPDATE SET points = points + excluded.points, "
        "interviews = interviews + excluded.interviews, meetings = meetings + excluded.meetings",
        [cohort, member_id, *(n - b for n, b in zip(totals, before, strict=True))],
    )


def rebuild_totals(db: Database) -> None:
    """Recompute member_days and member_totals from the stored points and counts (inside a transaction)."""
    db.execute("DELETE FROM member_days")
    db.execute("DELETE FROM member_totals")
    db.execute(
        "INSERT INTO member_days (member_id, day, cohort_id, points, interviews, meetings) "
        "SELECT member_id, happened_on, MIN(cohort_id), SUM(points), SUM(counted * (kind = 'interview')), "
        "SUM(counted * (kind = 'networking')) FROM activities WHERE deleted_at IS NULL "
        "GROUP BY member_id, happened_on HAVING SUM(points) > 0 OR SUM(counted) > 0"
    )
    db.execute(
        "INSERT INTO member_totals (cohort_id, member_id, points, interviews, meetings) "
        "SELECT cohort_id, member_id, SUM(points), SUM(interviews), SUM(meetings) FROM member_days "
        "GROUP BY cohort_id, member_id"
    )
