"""/cohort subcommands that change one of your own entries: undo, delete, edit, share.

Whose entry it is (and whether it is still live) is decided in one place, `commands.entries`, which the forms use
too; an edit typed here and one made in a form store the same row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from commands.cohort.subcommand import Nothing, Subcommand, takes_nothing
from commands.context import Context
from commands.entries import entry_to_change, form_for_edit
from commands.logs import MAX_NAME, share_reply, status_for
from commands.model import Para, Reply, Strong, UserText
from commands.parsing import (
    STAGE_SYNONYMS,
    STAGES_HELP,
    TYPE_SYNONYMS,
    TYPES_HELP,
    UsageError,
    describe_day,
    label,
    match_phrase,
    parse_date_words,
    parse_id,
    quoted,
    tokenize,
)
from commands.replies import info, plural
from storage import activities

FIELDS = {
    "org": "org", "organisation": "org", "organization": "org", "firm": "org", "who": "org", "with": "org",
    "name": "org", "person": "org",
    "stage": "subtype", "type": "subtype", "kind": "subtype",
    "date": "happened_on", "when": "happened_on", "day": "happened_on",
    "notes": "notes", "note": "notes",
}
FIELDS_HELP = "Fields: org, stage (or type), date, notes."


@dataclass(frozen=True)
class EntryArgs:
    number: int  # the entry's short id


@dataclass(frozen=True)
class EditArgs:
    number: int
    field: str = ""  # a column (org, subtype, happened_on, notes); empty: open the entry in a form
    value: str = ""


def entry_words(act: activities.Activity, today: date) -> tuple[str | UserText | Strong, ...]:
    return (f"#{act.seq} ", Strong(label(act.kind, act.subtype)), " · ", UserText(act.org), " · ",
            describe_day(act.happened_on, today))


def _edit_words(undone: activities.Undone, today: date) -> list[str | UserText | Strong]:
    """What an undone edit put back, e.g. "date back to Tue 24 Nov, stage back to callback"."""
    act = undone.activity
    parts: list[tuple[str | UserText, ...]] = []
    for field, value in undone.restored.items():
        if field == "org":
            parts.append(("name back to ", UserText(value)))
        elif field == "subtype":
            parts.append((f"{'stage' if act.kind == 'interview' else 'type'} back to {label(act.kind, value)}",))
        elif field == "happened_on":
            parts.append((f"date back to {describe_day(value, today)}",))
        elif field == "notes":
            parts.append(("notes restored",))
        elif field == "status":
            parts.append(({"planned": "upcoming again", "cancelled": "cancelled again"}.get(value, "happened again"),))
        elif field == "thanked_at":
            parts.append(("thank-you note taken back" if value is None else "thank-you note back",))
    words: list[str | UserText | Strong] = []
    for part in parts:
        words += [", "] if words else []
        words += part
    return words


def run_undo(args: Nothing, ctx: Context) -> Reply:
    """Take back the member's last change, whatever it was; each undo goes one step further back."""
    today = ctx.today
    undone = activities.undo_last(ctx.deps.db, ctx.member.id, ctx.now, ctx.cohort.rules)
    if undone is None:
        if activities.recent(ctx.deps.db, ctx.member.id, 1):
            return info(("There's nothing more to undo.",))
        return info(("There's nothing to undo: you have no entries.",))
    act = undone.activity
    if undone.action == "log":
        return info(("Undone: removed ", *entry_words(act, today), "."))
    if undone.action == "delete":
        return info((f"Undone: your delete of #{act.seq}; it's back: ", *entry_words(act, today),
                     f" ({plural(act.points, 'point')})."))
    return info((f"Undone: your edit of #{act.seq} (", *_edit_words(undone, today), "): ",
                 *entry_words(act, today), f" ({plural(act.points, 'point')})."))


def entry_id(name: str) -> Callable[[str, date], EntryArgs]:
    """A parser for `/cohort <name> <id>`."""

    def parse(rest: str, today: date) -> EntryArgs:
        if not rest:
            raise UsageError(f"Which entry? Give its id, like /cohort {name} 12. /progress lists your ids.")
        return EntryArgs(parse_id(rest))

    return parse


def run_delete(args: EntryArgs, ctx: Context) -> Reply:
    act = entry_to_change(ctx, args.number, live=False)
    if act.deleted:
        return info((f"Entry #{act.seq} was already deleted.",))
    activities.soft_delete(ctx.deps.db, act, ctx.now, ctx.cohort.rules)
    return info(("Deleted ", *entry_words(act, ctx.today), "."))


def run_share(args: EntryArgs, ctx: Context) -> Reply:
    return share_reply(ctx, entry_to_change(ctx, args.number))


def parse_edit(rest: str, today: date) -> EditArgs:
    parts = rest.split(None, 2)
    if len(parts) == 1 and parts[0].lstrip("#").isdigit():
        return EditArgs(parse_id(parts[0]))
    if len(parts) < 3:
        raise UsageError(f"Edit needs an id, a field and a new value, like /cohort edit 12 stage callback. "
                         f"{FIELDS_HELP}")
    number = parse_id(parts[0])
    field = FIELDS.get(parts[1].lower())
    if field is None:
        raise UsageError("I can't edit ", *quoted(parts[1]), f". {FIELDS_HELP}")
    return EditArgs(number, field, parts[2].strip())


def _new_org(act: activities.Activity, value: str, today: date) -> object:
    tokens, _ = tokenize(value)
    org = " ".join(t.text for t in tokens).strip()
    if not org:
        raise UsageError("The new name is empty. Type it after the field, like /cohort edit 12 org Latham.")
    if len(org) > MAX_NAME:
        raise UsageError(f"That name is {len(org)} characters; keep it under {MAX_NAME}.")
    return org


def _new_subtype(act: activities.Activity, value: str, today: date) -> object:
    interview = act.kind == "interview"
    found = match_phrase(value.split(), STAGE_SYNONYMS if interview else TYPE_SYNONYMS)
    if found is None:
        raise UsageError(*quoted(value), f" is not a {'stage' if interview else 'meeting type'}. "
                         + (STAGES_HELP if interview else TYPES_HELP))
    return found


def _new_day(act: activities.Activity, value: str, today: date) -> object:
    day = parse_date_words(value.split(), today)
    if day is None:
        raise UsageError("I can't read ", *quoted(value), " as a date. Try yesterday, tue, 11/20 or 2026-11-20.")
    return day


def _new_notes(act: activities.Activity, value: str, today: date) -> object:
    return value


NEW_VALUE: dict[str, Callable[[activities.Activity, str, date], object]] = {
    "org": _new_org, "subtype": _new_subtype, "happened_on": _new_day, "notes": _new_notes}


def run_edit(args: EditArgs, ctx: Context) -> Reply:
    today = ctx.today
    act = entry_to_change(ctx, args.number)
    if not args.field:
        return Reply(blocks=(Para(("Edit ", *entry_words(act, today), ": /cohort edit "
                                   f"{act.seq} <field> <value>, fields org, stage, date, notes."),),),
                     form=form_for_edit(ctx, act.seq))
    value = NEW_VALUE[args.field](act, args.value, today)
    changes: dict[str, object] = {args.field: value}
    if isinstance(value, date):  # a new date: an entry moved into the past happened, one moved ahead is planned
        changes["status"] = status_for(value, today, act.status)
    updated = activities.update_activity(ctx.deps.db, act, ctx.now, ctx.cohort.rules, **changes)
    return info(("Updated ", *entry_words(updated, today), f" ({updated.points} points)."))


ROWS: tuple[Subcommand[Any], ...] = (
    Subcommand("undo", "Take back your last change: a log, an edit or a delete.", "/cohort undo", "/cohort undo",
               Nothing, takes_nothing("undo"), run_undo,
               details=("Each undo goes one step further back through your changes.",)),
    Subcommand("delete", "Delete one of your entries.", "/cohort delete <id>", "/cohort delete 12", EntryArgs,
               entry_id("delete"), run_delete, aliases=("remove",),
               details=("Ids look like #12; /progress lists yours.",)),
    Subcommand("edit", "Change one of your entries (with just an id, open it in a form).",
               "/cohort edit <id> [<field> <value>]", "/cohort edit 12 date yesterday", EditArgs, parse_edit,
               run_edit,
               details=(f"{FIELDS_HELP} A new date moves the entry: into the past it happened, ahead it is "
                        "planned.", STAGES_HELP, TYPES_HELP)),
    Subcommand("share", "Post one of your entries to the channel (its notes stay private).", "/cohort share <id>",
               "/cohort share 12", EntryArgs, entry_id("share"), run_share),
)
