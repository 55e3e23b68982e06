"""/cohort report: a coordinator's private view of how everyone in a cohort is doing.

Every member of the cohort is listed, anonymous and hidden ones included (the report is for coordinators and
workspace admins only), with the board's numbers for the period (storage/report.py), the day of their last entry and
how many weeks ago that was. Anyone quiet for QUIET_WEEKS or more is flagged and listed first. A reply has room for
MAX_ROWS members (Slack's Block Kit limits a message to about 12,000 characters): beyond that it says how many more
there are and points to the export. Where a platform has no private replies in a channel (Teams), it is given only
in a direct chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlite_utils import Database

from commands.cohort.cohorts import QUOTES, day, named_cohort
from commands.cohort.subcommand import Subcommand
from commands.context import Context
from commands.identity import cohort_in_view
from commands.leaderboard import PERIODS, period_span, period_title
from commands.model import Block, Inline, Para, Reply, Table, UserText
from commands.parsing import UsageError
from commands.replies import plural
from storage import cohorts
from storage import report as records
from storage.members import Cohort
from storage.report import ReportRow

QUIET_WEEKS = 2
MAX_ROWS = 40
MAX_SHOWN_NAME = 22
# The periods a report takes: the board's, without its one-letter shorthands (a cohort may be called "A").
REPORT_PERIODS = {k: v for k, v in PERIODS.items() if len(k) > 1}
MARKS = {"anonymous": " (anon.)", "hidden": " (hidden)"}


@dataclass(frozen=True)
class ReportArgs:
    period: str = "week"
    cohort: str = ""  # a cohort's name; empty: the cohort in view (this channel's, else the asker's own)


def parse_report(rest: str, today: date) -> ReportArgs:
    words = rest.split()
    for n in (2, 1):
        key = " ".join(words[:n]).lower()
        if len(words) >= n and key in REPORT_PERIODS:
            return ReportArgs(REPORT_PERIODS[key], " ".join(words[n:]).strip(QUOTES))
    return ReportArgs("week", rest.strip().strip(QUOTES))


@dataclass(frozen=True)
class Line:
    row: ReportRow
    weeks: int | None  # full weeks since their last entry (None: nothing logged yet)
    quiet: int  # weeks quiet, when flagged (QUIET_WEEKS or more); 0 otherwise
    flag: str


def _line(row: ReportRow, today: date, paused_until: date | None, moved_to: str) -> Line:
    weeks = (today - row.last_entry).days // 7 if row.last_entry else None
    quiet_for = weeks if weeks is not None else max(0, (today - row.joined_on).days // 7)
    pause = max(filter(None, (row.paused_until, paused_until)), default=None)
    if not row.active:
        return Line(row, weeks, 0, "left")
    if moved_to:
        return Line(row, weeks, 0, f"now in {moved_to}")
    if pause is not None:
        return Line(row, weeks, 0, f"paused to {day(pause)}")
    if quiet_for >= QUIET_WEEKS:
        flag = f"quiet {plural(quiet_for, 'week')}" + ("" if row.last_entry else ", none yet")
        return Line(row, weeks, quiet_for, flag)
    return Line(row, weeks, 0, "")


def _cells(line: Line) -> tuple[Inline, ...]:
    row = line.row
    name = (row.display_name or row.user_id)[:MAX_SHOWN_NAME] + MARKS.get(row.privacy, "")
    last = f"{row.last_entry:%a} {row.last_entry.day} {row.last_entry:%b}" if row.last_entry else "never"
    return (UserText(name), str(row.entries), str(row.interviews), str(row.meetings), str(row.offers), last,
            "" if line.weeks is None else str(line.weeks), line.flag)


def run_report(args: ReportArgs, ctx: Context) -> Reply:
    where = ctx.request.where
    if not where.is_direct and not where.typed_channels:  # Teams: a reply in a channel is seen by the channel
        raise UsageError("The report names everyone, so I only give it in a chat with me: ask there, like "
                         "cohort report month.")
    cohort = named_cohort(ctx, args.cohort) if args.cohort else cohort_in_view(ctx)
    return report_reply(ctx.deps.db, cohort, args.period, ctx.today)


def report_reply(db: Database, cohort: Cohort, period: str, today: date) -> Reply:
    """The report on `cohort` for `period` (week, month, last_week, last_month, all) as of `today`: what /cohort
    report answers, and what a coordinator's weekly message can reuse."""
    start, end = period_span(period, today)
    paused = cohorts.paused_until(db, cohort.id, today)
    names = {c.id: c.name for c in cohorts.cohorts(db, cohort.workspace_key)}
    lines = [_line(r, today, paused, names.get(r.cohort_id, "") if r.cohort_id != cohort.id else "")
             for r in records.report(db, cohort.id, start, end, today)]
    quiet = sorted((x for x in lines if x.quiet), key=lambda x: (-x.quiet, x.row.display_name.casefold()))
    rest = sorted((x for x in lines if not x.quiet), key=lambda x: (-x.row.entries, x.row.display_name.casefold()))
    shown = (quiet + rest)[:MAX_ROWS]
    more = len(lines) - len(shown)
    blocks: list[Block] = [
        Para(("Report: ", UserText(cohort.name), f", {period_title(period, today)}"), style="heading"),
        Para(("For coordinators only: everyone in ", UserText(cohort.name), ", anonymous and hidden members "
              f"included. Quiet means nothing logged for {QUIET_WEEKS} weeks or more; quiet members come first.",),
             style="muted")]
    if paused:
        blocks.append(Para((UserText(cohort.name), f" is paused until {day(paused)}: no nudges and no "
                            "summary meanwhile.",)))
    if not lines:
        blocks.append(Para(("Nobody is in this cohort yet.",)))
    else:
        note = (f"and {plural(more, 'more member')}: /cohort export {cohort.name} has everyone's entries."
                if more else "")
        blocks.append(Table(columns=("Member", "Entries", "Interviews", "Meetings", "Offers", "Last entry", "Weeks",
                                     "Flag"), rows=tuple(_cells(x) for x in shown),
                            numeric=(False, True, True, True, True, False, True, False), note=note))
    blocks.append(Para((_totals(lines, len(quiet)),)))
    return Reply(blocks=tuple(blocks), private=True)


def _totals(lines: list[Line], quiet: int) -> str:
    rows = [x.row for x in lines]
    entries = plural(sum(r.entries for r in rows), "entry", "entries")
    interviews = plural(sum(r.interviews for r in rows), "interview")
    meetings = plural(sum(r.meetings for r in rows), "meeting")
    offers = plural(sum(r.offers for r in rows), "offer")
    return f"Totals: {plural(len(rows), 'member')}, {quiet} quiet; {entries}: {interviews}, {meetings}, {offers}."


ROWS: tuple[Subcommand[Any], ...] = (
    Subcommand("report", "See how everyone in a cohort is doing, quiet members first (only you see it).",
               "/cohort report [week|month|all] [cohort]", "/cohort report month 2L", ReportArgs, parse_report,
               run_report, admin=True, fresh_admin_check=True,
               refusal="Only a coordinator (a cohort admin) or a workspace admin can see the report.",
               details=("Each member's entries, interviews, meetings and offers for the period (counted as on the "
                        "board), their last entry and how many weeks ago it was, and a flag for anyone quiet "
                        f"{QUIET_WEEKS} weeks or more. Totals come at the end.",
                        "Everyone is listed, anonymous and hidden members included. Without a cohort it reports "
                        "the one whose channel you type it in, else yours; also: last week, last month.")),
)
