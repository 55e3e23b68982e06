"""/cohort subcommands about the record itself: export (a coordinator's CSV of the cohort's entries) and erase-me
(a member erases everything stored about them).

export is for cohort admins and workspace admins (asked afresh); its file goes with the private reply (the
transport delivers it) and never holds private notes: only the server's `cohortbot export --notes` does.

erase-me asks first, privately, with a button; only `/cohort erase-me confirm` erases, and it erases whoever runs
it. It takes no one else's name, so a confirm button pressed by someone else erases the one who pressed it (and
says so). A coordinator acting on a member's request runs `cohortbot erase` on the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from commands.cohort.subcommand import Subcommand
from commands.context import Context
from commands.model import Actions, Attachment, Button, Inline, Para, Reply, Strong, UserText
from commands.parsing import UsageError
from commands.replies import info, plural
from storage import erase, export

MAX_COHORT_NAME = 100
ERASE_STEPS = ("", "confirm", "cancel")  # ask, erase, drop it (the Cancel button)


@dataclass(frozen=True)
class ExportArgs:
    cohort: str = ""  # empty: every cohort in the workspace


@dataclass(frozen=True)
class EraseArgs:
    step: str = ""  # one of ERASE_STEPS


def parse_export(rest: str, today: date) -> ExportArgs:
    name = rest.strip().strip("\"'\u201c\u201d").strip()
    if len(name) > MAX_COHORT_NAME:
        raise UsageError(f"That cohort name is {len(name)} characters; a cohort's name is shorter.")
    return ExportArgs(name)


def _scope(cohort: export.CohortName | None) -> tuple[Inline, ...]:
    return (Strong("every cohort"),) if cohort is None else ("the cohort ", UserText(cohort.name))


def run_export(args: ExportArgs, ctx: Context) -> Reply:
    db, workspace = ctx.deps.db, ctx.membership.workspace_key
    cohort = export.find_cohort(db, workspace, args.cohort) if args.cohort else None
    if args.cohort and cohort is None:
        names = ", ".join(c.name for c in export.cohorts(db, workspace))
        raise UsageError("There's no cohort called ", UserText(args.cohort), " here. The cohorts are: ",
                         UserText(names), ". Without a name, /cohort export exports them all.")
    rows = export.entries(db, workspace, cohort_id=cohort.id if cohort else None)
    if not rows:
        return info(("Nothing to export: ", *_scope(cohort), " has no entries yet.",))
    members = len({row.member_id for row in rows})
    title = f"cohortbot export: {cohort.name if cohort else 'all cohorts'}, {ctx.today.isoformat()}"
    file = Attachment(export.filename(cohort.name if cohort else None, ctx.today), export.to_csv(rows), title)
    return Reply(blocks=(
        Para(("Export of ", *_scope(cohort), f": {plural(len(rows), 'entry', 'entries')} by "
              f"{plural(members, 'member')}, dated {rows[0].date} to {rows[-1].date}.")),
        Para(("One row per entry; deleted entries are left out, and private notes are not included.",),
             style="muted"),
    ), attachment=file)


def parse_erase(rest: str, today: date) -> EraseArgs:
    step = rest.strip().lower()
    if step not in ERASE_STEPS:
        raise UsageError("/cohort erase-me erases only you, so it takes no name. A coordinator can erase a member "
                         "who asks, on the server: cohortbot erase.")
    return EraseArgs(step)


def erased_parts(found: erase.Erased) -> list[str]:
    """What an erasure covers, as words ("3 entries", ..., and always the profile)."""
    counted = ((found.entries, "entry", "entries"), (found.applications, "application", None),
               (found.journal, "undo step", None), (found.board_days, "day on the board", "days on the board"),
               (found.pauses, "pause", None), (found.deliveries, "record of a reminder sent",
                                               "records of reminders sent"), (found.feedback, "tip vote", None))
    parts = [plural(n, word, many) for n, word, many in counted if n]
    if found.teams_ids or found.teams_chats:
        parts.append("Teams ids and the reference to the personal chat")
    return [*parts, "the profile (name, timezone, goal and settings)"]


def listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def run_erase(args: EraseArgs, ctx: Context) -> Reply:
    db = ctx.deps.db
    who = erase.target(db, ctx.member.id)
    assert who is not None  # dispatch ensured the member in this transaction
    if ctx.membership.created:  # this very request made them a member: take that back too
        erase.erase(db, who)
        return info(("cohortbot keeps nothing about you, so there is nothing to erase.",))
    if args.step == "cancel":
        return info(("Nothing was erased.",))
    if not args.step:
        kept = erase.preview(db, who)
        return Reply(blocks=(
            Para(("Erase everything cohortbot keeps about you?",), style="heading"),
            Para((f"That is {listed(erased_parts(kept))}. It can't be undone: your entries and points leave the "
                  "board for good. Nothing is erased until you press the button.",)),
            Actions((Button("Erase everything about me", "cohort", "erase-me confirm", style="danger"),
                     Button("Cancel", "cohort", "erase-me cancel"))),
        ))
    done = erase.erase(db, who)
    name = ("",) if not who.display_name else (" (", UserText(who.display_name), ")")
    return info(("Erased everything cohortbot kept about you", *name, f": {listed(erased_parts(done))}.",),
                ("Your totals are off the leaderboard. If you use cohortbot again, you start as a new member.",))


def describe(found: erase.Erased) -> str:
    """For the server's `cohortbot erase`: who it is, and what their erasure covers."""
    who = found.target
    name = f"{who.display_name} ({who.user_id})" if who.display_name else who.user_id
    return f"{name}, {who.platform} workspace {who.workspace}: {listed(erased_parts(found))}"


ROWS: tuple[Subcommand[Any], ...] = (
    Subcommand("export", "Export the cohort's entries as a CSV file (coordinators).", "/cohort export [cohort]",
               "/cohort export", ExportArgs, parse_export, run_export, admin=True, fresh_admin_check=True,
               refusal="Only a cohort admin can export the cohort's entries.",
               details=("One row per entry: date, time, cohort, member, kind, stage or type, organisation, status, "
                        "points and when it was logged. Deleted entries are left out and private notes are never "
                        "included. Without a cohort's name, every cohort is exported.",
                        "In Slack the file comes to your direct messages with cohortbot. Teams can't send files: "
                        "whoever runs cohortbot exports on the server with cohortbot export.")),
    Subcommand("erase-me", "Erase everything cohortbot keeps about you.", "/cohort erase-me", "/cohort erase-me",
               EraseArgs, parse_erase, run_erase,
               details=("It asks first and shows what it would erase; nothing is erased until you press the button. "
                        "Your entries, applications, pauses, reminders, board totals and profile all go, for good.",
                        "It only ever erases you. If you use cohortbot again, you start as a new member.")),
)
