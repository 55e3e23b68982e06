"""Manage your membership and entries: /cohort help | join | leave | goal | privacy | undo | delete | edit | share

Privacy: named (the default), anonymous (shown as "a member") or hidden (left off the board, still counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from commands import cohort_settings
from commands.context import Context
from commands.interview import STAGES_HELP
from commands.logs import MAX_NAME, share_reply, status_for
from commands.model import Para, Reply, Strong, UserText
from commands.network import TYPES_HELP
from commands.parsing import (
    STAGE_SYNONYMS,
    TYPE_SYNONYMS,
    UsageError,
    describe_day,
    label,
    match_phrase,
    parse_date_words,
    parse_id,
    quoted,
    tokenize,
)
from commands.replies import info
from storage import activities, members

NAME = "cohort"
USAGE = "/cohort help | join | leave | goal <n> | privacy named|anonymous|hidden | undo | delete <id> | " \
    "edit <id> <field> <value> | share <id> | pause <n>w | resume | nudges off|on | setup #channel [day] [hour] " \
    "| admin @member"
EXAMPLES = ("/cohort goal 4", "/cohort edit 12 date yesterday")
PRIVACY = ("named", "anonymous", "hidden")
FIELDS = {
    "org": "org", "organisation": "org", "organization": "org", "firm": "org", "who": "org", "with": "org",
    "name": "org", "person": "org",
    "stage": "subtype", "type": "subtype", "kind": "subtype",
    "date": "happened_on", "when": "happened_on", "day": "happened_on",
    "notes": "notes", "note": "notes",
}
MAX_GOAL = 50


@dataclass(frozen=True)
class Args:
    action: str
    number: int | None = None
    choice: str = ""
    field: str = ""
    value: str = ""


def parse(text: str, today: date) -> Args | cohort_settings.ExtraArgs:
    words = text.split(None, 1)
    if not words:
        return Args("help")
    action, rest = words[0].lower(), (words[1].strip() if len(words) > 1 else "")
    if action in ("help", "?", "join", "leave", "undo"):
        if rest:
            raise UsageError(f"/cohort {action} takes nothing after it.")
        return Args(action)
    if action == "goal":
        if not rest.isdecimal() or not 1 <= int(rest) <= MAX_GOAL:
            raise UsageError(f"A weekly goal is a whole number of entries from 1 to {MAX_GOAL}, like /cohort goal 4.")
        return Args("goal", number=int(rest))
    if action == "privacy":
        choice = rest.lower()
        if choice not in PRIVACY:
            raise UsageError("Privacy is named, anonymous or hidden, like /cohort privacy anonymous.")
        return Args("privacy", choice=choice)
    if action in ("delete", "remove", "share"):
        if not rest:
            raise UsageError(f"Which entry? Give its id, like /cohort {action} 12. /progress lists your ids.")
        return Args("delete" if action == "remove" else action, number=parse_id(rest))
    if action == "edit":
        parts = rest.split(None, 2)
        if len(parts) == 1 and parts[0].lstrip("#").isdigit():
            return Args("edit", number=parse_id(parts[0]))
        if len(parts) < 3:
            raise UsageError("Edit needs an id, a field and a new value, like /cohort edit 12 stage callback. "
                             "Fields: org, stage (or type), date, notes.")
        number = parse_id(parts[0])
        field = FIELDS.get(parts[1].lower())
        if field is None:
            raise UsageError("I can't edit ", *quoted(parts[1]), ". Fields: org, stage (or type), date, notes.")
        return Args("edit", number=number, field=field, value=parts[2].strip())
    if action in cohort_settings.ACTIONS:
        return cohort_settings.parse_extra(action, rest)
    raise UsageError("/cohort has no ", *quoted(words[0]), " option.")


def _own_entry(ctx: Context, number: int, *, live: bool = True) -> activities.Activity:
    act = activities.find_by_seq(ctx.deps.db, ctx.membership.workspace_key, number)
    if act is None or act.member_id != ctx.member.id:
        raise UsageError(f"You have no entry #{number}. /progress lists your entries and their ids.")
    if live and act.deleted:
        raise UsageError(f"Entry #{number} was deleted, so it can't be changed. Log it again with /interview "
                         "or /network.")
    return act


def _entry_words(act: activities.Activity, today: date) -> tuple[str | UserText | Strong, ...]:
    return (f"#{act.seq} ", Strong(label(act.kind, act.subtype)), " · ", UserText(act.org), " · ",
            describe_day(act.happened_on, today))


def help_reply() -> Reply:
    from commands import REGISTRY

    blocks = [Para(("cohortbot keeps your job search moving: log every interview and networking meeting, "
                    "and see how the cohort is doing.",))]
    for spec in REGISTRY.values():
        blocks.append(Para((Strong(spec.usage),)))
        blocks.append(Para((spec.summary, "  e.g. ", spec.examples[0]), style="muted"))
    blocks.append(Para((STAGES_HELP + " " + TYPES_HELP,), style="muted"))
    return Reply(blocks=tuple(blocks), private=True)


def _edit_value(act: activities.Activity, field: str, value: str, today: date) -> object:
    if field == "org":
        tokens, _ = tokenize(value)
        org = " ".join(t.text for t in tokens).strip()
        if not org:
            raise UsageError("The new name is empty. Type it after the field, like /cohort edit 12 org Latham.")
        if len(org) > MAX_NAME:
            raise UsageError(f"That name is {len(org)} characters; keep it under {MAX_NAME}.")
        return org
    if field == "subtype":
        table = STAGE_SYNONYMS if act.kind == "interview" else TYPE_SYNONYMS
        found = match_phrase(value.split(), table)
        if found is None:
            raise UsageError(*quoted(value), f" is not a {'stage' if act.kind == 'interview' else 'meeting type'}. "
                             + (STAGES_HELP if act.kind == "interview" else TYPES_HELP))
        return found
    if field == "happened_on":
        day = parse_date_words(value.split(), today)
        if day is None:
            raise UsageError("I can't read ", *quoted(value), " as a date. Try yesterday, tue, 11/20 or 2026-11-20.")
        return day
    return value


def run(args: Args | cohort_settings.ExtraArgs, ctx: Context) -> Reply:
    if isinstance(args, cohort_settings.ExtraArgs):
        return cohort_settings.run_extra(args, ctx)
    db, member, now, today = ctx.deps.db, ctx.member, ctx.now, ctx.today
    rules = ctx.cohort.rules
    if args.action in ("help", "?"):
        return help_reply()
    if args.action == "join":
        if member.active and not ctx.membership.created:
            return info(("You're already in the cohort. Log something with /interview or /network.",))
        # Leaving turned reminders off; coming back turns them on again.
        members.update_member(db, member.id, now, active=1, nudges_enabled=1)
        return info(("Welcome to the cohort! Log interviews with /interview and meetings with /network; "
                     "/progress shows your week.",))
    if args.action == "leave":
        members.update_member(db, member.id, now, active=0, nudges_enabled=0)
        return info(("You've left the cohort: you're off the leaderboard and get no reminders. Your entries are "
                     "kept; /cohort join brings you back.",))
    if args.action == "goal":
        assert args.number is not None
        members.update_member(db, member.id, now, weekly_goal=args.number)
        return info((f"Your weekly goal is now {args.number} {'entry' if args.number == 1 else 'entries'}.",))
    if args.action == "privacy":
        members.update_member(db, member.id, now, privacy=args.choice)
        shown = {"named": "by your name", "anonymous": "as \u201ca member\u201d",
                 "hidden": "nowhere (your entries still count in the cohort totals)"}[args.choice]
        return info((f"Privacy set to {args.choice}: the leaderboard shows you {shown}.",))
    if args.action == "undo":
        act = activities.last_created(db, member.id)
        if act is None:
            return info(("There's nothing to undo: you have no entries.",))
        activities.soft_delete(db, act, now, rules)
        return info(("Undone: removed ", *_entry_words(act, today), "."))
    assert args.number is not None
    if args.action == "delete":
        act = _own_entry(ctx, args.number, live=False)
        if act.deleted:
            return info((f"Entry #{act.seq} was already deleted.",))
        activities.soft_delete(db, act, now, rules)
        return info(("Deleted ", *_entry_words(act, today), "."))
    if args.action == "share":
        act = _own_entry(ctx, args.number)
        return share_reply(ctx, act)
    act = _own_entry(ctx, args.number)
    if not args.field:
        from commands.forms import form_for_edit

        return Reply(blocks=(Para(("Edit ", *_entry_words(act, today), ": /cohort edit "
                                   f"{act.seq} <field> <value>, fields org, stage, date, notes."),),),
                     form=form_for_edit(ctx, act.seq))
    value = _edit_value(act, args.field, args.value, today)
    changes: dict[str, object] = {args.field: value}
    if isinstance(value, date):  # a new date: an entry moved into the past happened, one moved ahead is planned
        changes["status"] = status_for(value, today, act.status)
    updated = activities.update_activity(db, act, now, rules, **changes)
    return info(("Updated ", *_entry_words(updated, today), f" ({updated.points} points)."))
