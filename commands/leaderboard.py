"""Show the cohort leaderboard: /leaderboard [week|month|last week|last month|all]

Ranked by points; ties share a rank. Your own row is always shown. "Last week" is the previous ISO week
(Monday to Sunday) and "last month" the previous calendar month; their titles show the dates.

Typed in a cohort's channel, it shows that cohort's board, to anyone: someone from another cohort (or a coordinator
who doesn't take part) sees it without a row of their own. Elsewhere it shows the asker's own cohort.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from commands.context import Context
from commands.identity import cohort_here
from commands.model import Inline, Para, Reply, Table, UserText
from commands.parsing import UsageError, quoted
from commands.replies import plural
from storage import board
from storage.clock import week_start

NAME = "leaderboard"
USAGE = "/leaderboard [week|month|last week|last month|all]"
EXAMPLES = ("/leaderboard", "/leaderboard month", "/leaderboard last week")
TOP = 10
PERIODS = {"": "week", "week": "week", "this week": "week", "weekly": "week", "w": "week",
           "month": "month", "this month": "month", "monthly": "month", "m": "month",
           "last week": "last_week", "previous week": "last_week", "prev week": "last_week",
           "last month": "last_month", "previous month": "last_month", "prev month": "last_month",
           "all": "all", "all-time": "all", "all time": "all", "alltime": "all", "ever": "all", "a": "all"}
PAST = ("last_week", "last_month")  # over: their dates are shown, and nobody can "be the first" any more
NOBODY = "Nobody has logged anything yet in this period. Be the first: /interview or /network."
NOBODY_BEFORE = "Nobody logged anything in that period. This week is a fresh start: /interview or /network."
PERIOD_TITLES = {"week": "this week", "month": "this month", "last_week": "last week",
                 "last_month": "last month", "all": "all time"}


@dataclass(frozen=True)
class Args:
    period: str


PERIOD_SPELLINGS = {"lastweek": "last week", "thisweek": "this week", "lastmonth": "last month",
                    "thismonth": "this month", "alltime": "all time"}


def parse(text: str, today: date) -> Args:
    key = " ".join(text.lower().replace("-", " ").replace("_", " ").split())
    key = PERIOD_SPELLINGS.get(key, key)
    if key not in PERIODS:
        raise UsageError("I don't know the period ", *quoted(text.strip()), ". Choose week, month, all, last week "
                         "or last month.")
    return Args(PERIODS[key])


def period_span(period: str, today: date) -> tuple[date | None, date]:
    """First and last day of the period (None: from the beginning); a current period ends today."""
    if period == "week":
        return week_start(today), today
    if period == "month":
        return today.replace(day=1), today
    if period == "last_week":
        start = week_start(today) - timedelta(days=7)
        return start, start + timedelta(days=6)
    if period == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    return None, today


def period_title(period: str, today: date) -> str:
    """"this week", or for a past period its dates: "last week (Mon 23 Nov to Sun 29 Nov)"."""
    title = PERIOD_TITLES[period]
    if period in PAST:
        start, end = period_span(period, today)
        assert start is not None
        years = f" {end.year}" if end.year != today.year else ""
        title += f" ({start:%a} {start.day} {start:%b} to {end:%a} {end.day} {end:%b}{years})"
    return title


def ranked(rows: list[board.BoardRow]) -> list[tuple[int, board.BoardRow]]:
    """Standard competition ranking (1, 2, 2, 4) over points."""
    out: list[tuple[int, board.BoardRow]] = []
    for i, row in enumerate(rows):
        rank = out[-1][0] if out and out[-1][1].points == row.points else i + 1
        out.append((rank, row))
    return out


def shown_name(row: board.BoardRow, caller_id: int) -> Inline:
    if row.privacy == "anonymous" and row.member_id != caller_id:
        return "a member"
    return UserText(row.display_name or row.user_id)


def run(args: Args, ctx: Context) -> Reply:
    today = ctx.today
    start, end = period_span(args.period, today)
    here = cohort_here(ctx)
    cohort = here or ctx.cohort  # the board of this channel's cohort, else the asker's own
    on_it = cohort.id == ctx.cohort.id and ctx.member.takes_part  # the asker has a row on this board
    rows = board.board(ctx.deps.db, cohort.id, start, end)
    totals = board.totals(rows)
    me = ctx.member.id if on_it else -1
    visible = [r for r in rows if r.active and r.privacy != "hidden"]
    ranking = ranked(visible)
    table_rows: list[tuple[Inline, ...]] = []
    highlight: int | None = None

    def add(rank: str, row: board.BoardRow, suffix: str = "") -> None:
        nonlocal highlight
        name = shown_name(row, me)
        if row.member_id == me:
            highlight = len(table_rows)
            name_cell: Inline = UserText(f"{row.display_name or row.user_id} (you{suffix})")
        else:
            name_cell = name
        table_rows.append((rank, name_cell, str(row.points), str(row.interviews), str(row.meetings)))

    for rank, row in ranking[:TOP]:
        add(str(rank), row)
    if highlight is None and on_it:
        mine = next(((rank, r) for rank, r in ranking if r.member_id == me), None)
        if mine is not None:
            add(str(mine[0]), mine[1])
        else:
            own = next((r for r in rows if r.member_id == me), None)
            if own is None:
                own = board.BoardRow(me, ctx.member.display_name, ctx.member.user_id, ctx.member.privacy,
                                     ctx.member.active, 0, 0, 0)
                add("–", own)
            else:
                add("–", own, ", hidden" if own.privacy == "hidden" else ", not ranked")
    title: tuple[Inline, ...] = (f"Leaderboard, {period_title(args.period, today)}",)
    if cohort.id != ctx.cohort.id:
        title = ("Leaderboard of ", UserText(cohort.name), f", {period_title(args.period, today)}")
    blocks: list[Para | Table] = [Para(title, style="heading")]
    if not visible:
        blocks.append(Para((NOBODY_BEFORE if args.period in PAST else NOBODY,)))
    note = f"Showing the top {TOP} of {len(visible)}." if len(visible) > TOP else ""
    blocks.append(Table(columns=("#", "Member", "Points", "Interviews", "Meetings"), rows=tuple(table_rows),
                        numeric=(True, False, True, True, True), highlight=highlight, note=note))
    blocks.append(Para((
        f"Cohort {PERIOD_TITLES[args.period]}: {plural(totals.interviews, 'interview')} and "
        f"{plural(totals.meetings, 'meeting')} from {plural(totals.members, 'member')}, "
        f"{plural(totals.points, 'point')}.",
    ), style="muted"))
    return Reply(blocks=tuple(blocks), private=True)
