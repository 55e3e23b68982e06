"""The coordinators' weekly message: how each cohort did last week, and who has gone quiet.

On a cohort's nudge day, from its nudge hour in the coordinator's own timezone (as nudges), every coordinator of the
workspace (an active admin, a member or not: coordinators run every cohort in it) gets one direct message per cohort,
exactly once through the ledger (`coordinator:<member id>:<cohort id>:<ISO week>`). It says:
- last week's totals (entries, interviews, meetings, offers) against the week before, as /cohort report counts them
  (storage/report.py), and how many members joined last week;
- who has been quiet for QUIET_WEEKS or more, by name, anonymous and hidden members included (the same rule as the
  report: paused members, and everyone during a cohort-wide pause, are not quiet), at most QUIET_NAMES of them;
- where to see everyone: /cohort report.
It comes during a cohort-wide pause too (nudges and the summary do not). The names go to coordinators only: nothing
here is used by the members' nudges or the channel summary.

Planned a step at a time like the nudges (plan_steps in bot/nudges.py calls `coordinator_steps` whenever nudges are
planned): (cohort, coordinator) pairs are read `scan` at a time, and a cohort's message is worked out once for all
its coordinators, with a few statements for the whole cohort whatever its size (only the names shown are read).
This module has no platform code.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from bot.outgoing import Outgoing
from bot.situations import iso_week, last_week_of
from commands.cohort.report import MAX_SHOWN_NAME, QUIET_WEEKS
from commands.context import zone
from commands.model import Actions, Block, Button, Inline, Para, Reply, Strong, UserText
from commands.replies import plural
from storage import cohorts, digest, ledger
from storage import report as records
from storage.digest import CoordinatorTarget
from storage.report import PeriodTotals, QuietRow

__all__ = ["QUIET_NAMES", "coordinator_key", "coordinator_reply", "coordinator_steps"]

QUIET_NAMES = 15  # named in the message; beyond that "and N more" (the report lists everyone)
SCAN = 500  # (cohort, coordinator) pairs read per step while looking for who is due
PRIVACY = {"anonymous": "anonymous", "hidden": "hidden"}  # said beside a name: the coordinator knows how it is shown


def coordinator_key(target: CoordinatorTarget, today: date) -> str:
    return f"coordinator:{target.member_id}:{target.cohort_id}:{iso_week(today)}"


def _day(when: date) -> str:
    return f"{when:%a} {when.day} {when:%b}"


def _counts(t: PeriodTotals) -> str:
    """ "4 entries: 2 interviews, 1 meeting, 1 offer", as the report's Totals line says it."""
    return (f"{plural(t.entries, 'entry', 'entries')}: {plural(t.interviews, 'interview')}, "
            f"{plural(t.meetings, 'meeting')}, {plural(t.offers, 'offer')}")


def _totals_line(start: date, end: date, this: PeriodTotals, before: PeriodTotals, joined: int) -> Para:
    new = f"{plural(joined, 'new member')} joined." if joined else "Nobody new joined."
    return Para((f"Last week ({_day(start)} to {_day(end)}): ", Strong(_counts(this)),
                 f" (the week before: {_counts(before)}). {new}"))


def _quiet_block(count: int, quiet: list[QuietRow]) -> Para:
    if not count:
        return Para((f"Nobody has been quiet for {QUIET_WEEKS} weeks or more.",))
    spans: list[Inline] = [Strong(f"Quiet for {QUIET_WEEKS} weeks or more ({count}): ")]
    for i, row in enumerate(quiet):
        notes = [PRIVACY.get(row.privacy, ""), plural(row.weeks, "week") + ("" if row.last_entry else ", none yet")]
        spans += [", " if i else "", UserText((row.display_name or row.user_id)[:MAX_SHOWN_NAME]),
                  f" ({'; '.join(n for n in notes if n)})"]
    more = count - len(quiet)
    spans.append(f", and {more} more." if more > 0 else ".")
    return Para(tuple(spans))


def coordinator_reply(db: Database, cohort_id: int, cohort_name: str, today: date) -> Reply:
    """A coordinator's message about one cohort on `today` (their nudge day): the same for every coordinator."""
    for part in coordinator_parts(db, cohort_id, cohort_name, today):
        if part is not None:
            return part
    raise AssertionError("coordinator_parts ends with the reply")


def coordinator_parts(db: Database, cohort_id: int, cohort_name: str, today: date) -> Iterator[Reply | None]:
    """`coordinator_reply` in two steps (None between them): the totals, then the quiet members. A few statements
    for the whole cohort, and only the names shown are read."""
    start, end = last_week_of(today)
    this = records.period_totals(db, cohort_id, start, end)
    before = records.period_totals(db, cohort_id, start - timedelta(days=7), start - timedelta(days=1))
    joined = records.joined_between(db, cohort_id, start, end)
    paused = cohorts.paused_until(db, cohort_id, today)
    yield None
    # During a cohort-wide pause nobody is quiet (as the report says); a member's own pause is the query's to skip.
    count, quiet = (0, []) if paused else records.quiet(db, cohort_id, today, QUIET_WEEKS, QUIET_NAMES)
    blocks: list[Block] = [
        Para(("Your cohort's week: ", UserText(cohort_name)), style="heading"),
        Para(("For coordinators only: it names quiet members, anonymous and hidden ones included.",), style="muted"),
        _totals_line(start, end, this, before, joined),
    ]
    if paused is not None:
        blocks.append(Para((UserText(cohort_name), f" is paused until {_day(paused)}: no nudges and no channel "
                            "summary meanwhile, and nobody counts as quiet.",)))
    blocks.append(_quiet_block(count, quiet))
    blocks.append(Para(("Everyone's numbers, quiet members first: ", Strong(f"/cohort report last week {cohort_name}"),
                        " (only you see it).")))
    blocks.append(Actions((Button("See the report", "cohort", f"report last week {cohort_name}", style="primary"),)))
    yield Reply(blocks=tuple(blocks), private=True)


def _due(db: Database, targets: Sequence[CoordinatorTarget], now: datetime, default_tz: str
         ) -> list[tuple[CoordinatorTarget, date]]:
    """The pairs whose cohort's nudge day and hour have come in the coordinator's own timezone, not yet sent."""
    due: list[tuple[CoordinatorTarget, date]] = []
    for t in targets:
        local = now.astimezone(zone(t.tz, default_tz))
        today = local.date()
        # Only on the nudge day itself, as nudges: a run missed while the bot was down catches up that day only.
        if today.weekday() == t.nudge_weekday and local.hour >= t.nudge_hour:
            due.append((t, today))
    if not due:
        return []
    sent = ledger.settled(db, [coordinator_key(t, today) for t, today in due])
    return [(t, today) for t, today in due if coordinator_key(t, today) not in sent]


def coordinator_steps(db: Database, now: datetime, default_tz: str, *, scan: int = SCAN
                      ) -> Iterator[list[Outgoing]]:
    """The coordinators' messages due at `now`: pairs are read `scan` at a time, and each cohort with someone due
    is one step (its message worked out once, for all of its coordinators due that day); a page with nobody due is
    a step that returns nothing."""
    after = (0, 0)
    made: dict[tuple[int, date], Reply] = {}  # the current cohort's message (its pairs may span two pages)
    while targets := digest.coordinator_targets_after(db, after, scan):
        after = (targets[-1].cohort_id, targets[-1].member_id)
        due = _due(db, targets, now, default_tz)
        if not due:
            yield []
        groups: dict[tuple[int, date], list[CoordinatorTarget]] = {}
        for t, today in due:
            groups.setdefault((t.cohort_id, today), []).append(t)
        for (cohort_id, today), group in groups.items():
            if (cohort_id, today) not in made:
                for part in coordinator_parts(db, cohort_id, group[0].cohort_name, today):
                    if part is None:
                        yield []  # let commands in between the cohort's statements
                    else:
                        made = {(cohort_id, today): part}
            reply = made[cohort_id, today]
            yield [Outgoing(coordinator_key(t, today), "coordinator", t.platform, t.workspace, t.workspace_key,
                            t.user_id, reply, t.member_id, t.cohort_id, who=t.display_name or t.user_id)
                   for t in group]
