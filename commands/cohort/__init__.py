"""Manage your membership, entries and reminders: /cohort help lists every subcommand

/cohort is one table of subcommands, listed once below; each row lives beside what it does (membership.py,
entries.py, reminders.py, admin.py, help.py) and says what it needs (subcommand.py). `parse` picks a row by name or
alias, in any case, and hands the rest of the text to the row's own parser; `run` checks that the asker may run it
and hands the row's typed args to its runner. Help, usage errors and "did you mean" come from the same table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from commands.cohort import admin, cohorts, entries, membership, records, reminders, report
from commands.cohort.help import ROW as HELP
from commands.cohort.help import CommandHelp, HelpArgs, Section, unknown_subcommand
from commands.cohort.help import reply as help_reply
from commands.cohort.subcommand import Subcommand, may_run
from commands.context import Context
from commands.model import Reply
from commands.parsing import UsageError
from commands.replies import info
from storage import members

NAME = "cohort"
USAGE = "/cohort <subcommand> [details]; /cohort help lists them, /cohort help <subcommand> explains one"
EXAMPLES = ("/cohort goal 4", "/cohort edit 12 date yesterday")

SECTIONS = (
    Section("Getting started", (HELP, *membership.ROWS, cohorts.LIST)),
    Section("Your entries", entries.ROWS),
    Section("Reminders, and answers to them", reminders.ROWS),
    Section("For coordinators", (*admin.ROWS, *cohorts.ROWS, *report.ROWS)),
    Section("Your record: export and erasure", records.ROWS),
)
TABLE: tuple[Subcommand[Any], ...] = tuple(row for section in SECTIONS for row in section.rows)
ROWS: dict[str, Subcommand[Any]] = {name: row for row in TABLE for name in row.names}  # names and aliases
ACTIONS = tuple(ROWS)


@dataclass(frozen=True, init=False)
class Args:
    """One parsed /cohort call: the subcommand's name and its own typed args.

    `Args("goal", GoalArgs(4))`, or from the args' fields: `Args("goal", number=4)`; an alias names its row.
    """

    action: str
    params: Any

    def __init__(self, action: str, params: Any = None, /, **fields: Any) -> None:
        row = ROWS[action]
        object.__setattr__(self, "action", row.name)
        object.__setattr__(self, "params", row.args(**fields) if params is None else params)


def parse(text: str, today: date) -> Args:
    words = text.split(None, 1)
    if not words:
        return Args(HELP.name, HelpArgs())
    row = ROWS.get(words[0].lower())
    if row is None:
        raise unknown_subcommand(words[0], TABLE)
    try:
        return Args(row.name, row.parse(words[1].strip() if len(words) > 1 else "", today))
    except UsageError as problem:
        raise problem.about(row.usage, (row.example,)) from None


def run(args: Args, ctx: Context, *, others: Sequence[CommandHelp] = ()) -> Reply:
    """Run a parsed call. `others`: the other commands, as help lists them (`commands/__init__.py` hands them in)."""
    row = ROWS[args.action]
    if not may_run(row, ctx):
        return info((row.refusal,))
    if row.run is None:  # help: the one row that reads the table it is in
        return help_reply(SECTIONS, others, args.params.topic)
    if row.admin and ctx.membership.created:
        # A workspace admin whose first command is a coordinator's coordinates, rather than joining as a member.
        members.make_coordinator(ctx.deps.db, ctx.member.id, ctx.now)
    try:
        return row.run(args.params, ctx)
    except UsageError as problem:
        raise problem.about(row.usage, (row.example,)) from None


def needs_fresh_admin_check(text: str) -> bool:
    """Whether `/cohort <text>` is a subcommand the transport must check admin rights for afresh, before dispatch."""
    words = text.split(None, 1)
    row = ROWS.get(words[0].lower()) if words else None
    return row is not None and row.fresh_admin_check
