"""/cohort subcommands about a workspace's cohorts: list (anyone), and for coordinators create, rename, and a
cohort-wide pause (pause-all, resume-all) for exams and holidays.

A workspace holds one or more cohorts, each with its own channel, nudge day and hour, points, board and summary.
Names are unique in a workspace whatever their case, 1 to 40 characters, and are looked up only in the asker's
workspace. Without a name, a coordinator's subcommand is about the cohort whose channel it is typed in, else the
asker's own (`identity.cohort_in_view`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from commands.cohort.admin import (
    SetupArgs,
    check_channel_free,
    coordinating,
    invite_note,
    parse_setup,
    schedule,
    summary_channel,
)
from commands.cohort.reminders import MAX_PAUSE_WEEKS, parse_pause
from commands.cohort.subcommand import Nothing, Subcommand, ignores_the_rest, takes_nothing
from commands.context import Context
from commands.identity import cohort_in_view
from commands.model import Actions, Button, Inline, Para, Reply, Strong, UserText
from commands.parsing import DAY_NAMES, UsageError
from commands.replies import info, plural
from storage import cohorts, members
from storage.members import Cohort

MAX_NAME = cohorts.MAX_NAME
QUOTES = "\"'\u201c\u201d\u2018\u2019"


@dataclass(frozen=True)
class CreateArgs:
    name: str
    setup: SetupArgs = SetupArgs()


@dataclass(frozen=True)
class RenameArgs:
    text: str  # "<new name>", or "<cohort> to <new name>"


@dataclass(frozen=True)
class PauseAllArgs:
    weeks: int  # 0: no length given ("pause-all for finals"): ask with buttons, store nothing
    reason: str = ""


# ---- names -------------------------------------------------------------------------------------------------

def check_name(name: str) -> str:
    """A cohort's name as stored (spaces collapsed), or a UsageError saying what is wrong with it."""
    name = cohorts.normal(name.strip(QUOTES))
    if not name:
        raise UsageError("Give the cohort a name, like 2L or \u201cClass of 2027\u201d.")
    if len(name) > MAX_NAME:
        raise UsageError(f"A cohort's name is 1 to {MAX_NAME} characters; that one is {len(name)}.")
    if name[0] in "#<@" or any(not ch.isprintable() for ch in name):
        raise UsageError("A cohort's name is plain words, like 2L or \u201cClass of 2027\u201d.")
    return name


def no_such_cohort(ctx: Context, name: str) -> UsageError:
    """The name is not a cohort of the asker's workspace (another workspace's never is): say so, with the nearest."""
    names = [c.name for c in cohorts.cohorts(ctx.deps.db, ctx.membership.workspace_key)]
    by_key = {n.casefold(): n for n in names}
    near = difflib.get_close_matches(cohorts.normal(name).casefold(), list(by_key), n=1, cutoff=0.5)
    hint: tuple[Inline, ...] = (" Did you mean ", UserText(by_key[near[0]]), "?") if near else ()
    return UsageError("There's no cohort called ", UserText(cohorts.normal(name)), " in this workspace.", *hint,
                      " The cohorts here: ", UserText(", ".join(names)), ".")


def named_cohort(ctx: Context, name: str) -> Cohort:
    """The asker's workspace's cohort of that name, or a UsageError (nothing changes)."""
    found = cohorts.find(ctx.deps.db, ctx.membership.workspace_key, name.strip(QUOTES))
    if found is None:
        raise no_such_cohort(ctx, name.strip(QUOTES))
    return found


def _name_taken(ctx: Context, name: str, but: int | None = None) -> None:
    taken = cohorts.find(ctx.deps.db, ctx.membership.workspace_key, name)
    if taken is not None and taken.id != but:
        raise UsageError("There's already a cohort called ", UserText(taken.name), " here. Pick another name; "
                         "/cohort list shows them all.")


# ---- create ------------------------------------------------------------------------------------------------

def _starts_options(word: str) -> bool:
    try:
        parse_setup(word, date.min)
    except UsageError:
        return False
    return True


def parse_create(rest: str, today: date) -> CreateArgs:
    """`2L #two-l tuesday 9am`, `"Class of 2027" #c27`: the name runs up to the channel, day or hour."""
    rest = rest.strip()
    if rest[:1] in QUOTES and len(rest) > 1:
        close = next((i for i in range(1, len(rest)) if rest[i] in QUOTES), len(rest))
        name, options = rest[1:close], rest[close + 1:]
    else:
        words = rest.split()
        cut = next((i for i in range(1, len(words)) if _starts_options(words[i])), len(words))
        name, options = " ".join(words[:cut]), " ".join(words[cut:])
    return CreateArgs(check_name(name), parse_setup(options.strip(), today))


def run_create(args: CreateArgs, ctx: Context) -> Reply:
    db, where, workspace = ctx.deps.db, ctx.request.where, ctx.membership.workspace_key
    _name_taken(ctx, args.name)
    channel, shown = summary_channel(args.setup, where, "create")
    existing = cohorts.cohorts(db, workspace)
    # A workspace's first cohort exists as soon as anyone uses the bot; while nothing has happened in it, the first
    # cohort a coordinator creates is that one, named and set up, rather than a second beside an empty one.
    blank = existing[0] if len(existing) == 1 and cohorts.is_blank(db, existing[0].id, ctx.member.id) else None
    check_channel_free(ctx, channel, shown, blank.id if blank else None)
    tz = ctx.member.tz or ctx.deps.default_tz
    weekday = 0 if args.setup.weekday is None else args.setup.weekday
    hour = 9 if args.setup.hour is None else args.setup.hour
    if blank is not None:
        cohort = members.set_cohort(db, blank.id, name=args.name, summary_channel=channel, channel_name=shown,
                                    nudge_weekday=weekday, nudge_hour=hour, tz=tz)
    else:
        cohort = cohorts.create(db, workspace, args.name, channel=channel, weekday=weekday, hour=hour, tz=tz,
                                rules=ctx.deps.rules, now=ctx.now)
        members.set_cohort(db, cohort.id, channel_name=shown)
    member = members.make_coordinator(db, ctx.member.id, ctx.now)
    first = ("Created the cohort ", UserText(cohort.name), ": its weekly summary goes to #", UserText(shown), " and ",
             *schedule(cohort), " Anyone new who types a command in #", UserText(shown), " joins it; a member "
             "moves with /cohort join ", UserText(cohort.name), ".", *coordinating(ctx.member, member))
    return info(first, *invite_note(shown, where))


# ---- list and rename ---------------------------------------------------------------------------------------

def _line(item: cohorts.Listed, ctx: Context) -> Para:
    cohort = item.cohort
    channel: tuple[Inline, ...] = (("#", UserText(cohort.channel_name)) if cohort.channel_name
                                   else ("its channel",) if cohort.summary_channel else ("no channel yet",))
    paused: tuple[Inline, ...] = (f", paused until {day(item.paused_until)}",) if item.paused_until else ()
    yours = " (yours)" if cohort.id == ctx.member.cohort_id and ctx.member.takes_part else ""
    return Para(("\u2022 ", Strong(cohort.name), yours, ": ", *channel, ", ", *schedule_short(cohort), ", ",
                 plural(item.members, "member"), *paused))


def day(when: date) -> str:
    """ "Mon 14 Dec": a day as a pause's end is shown."""
    return f"{when:%a} {when.day} {when:%b}"


def schedule_short(cohort: Cohort) -> tuple[Inline, ...]:
    return (f"nudges on {DAY_NAMES[cohort.nudge_weekday]}s at {cohort.nudge_hour}:00",)


def run_list(args: Nothing, ctx: Context) -> Reply:
    found = cohorts.listed(ctx.deps.db, ctx.membership.workspace_key, ctx.today)
    blocks: list[Para] = [Para((f"Cohorts in this workspace ({len(found)})",), style="heading")]
    blocks += [_line(item, ctx) for item in found]
    blocks.append(Para(("/cohort join <name> moves you to another cohort; your entries stay with the cohort you "
                        "logged them in.",), style="muted"))
    return Reply(blocks=tuple(blocks), private=True)


def parse_rename(rest: str, today: date) -> RenameArgs:
    if not rest.strip():
        raise UsageError("Give the new name, like /cohort rename 2L.")
    return RenameArgs(rest.strip())


def run_rename(args: RenameArgs, ctx: Context) -> Reply:
    old, sep, new = args.text.partition(" to ")
    named = cohorts.find(ctx.deps.db, ctx.membership.workspace_key, old.strip(QUOTES)) if sep else None
    cohort, name = (named, new) if named is not None else (cohort_in_view(ctx), args.text)
    name = check_name(name)
    _name_taken(ctx, name, but=cohort.id)
    members.set_cohort(ctx.deps.db, cohort.id, name=name)
    return info(("Renamed the cohort ", UserText(cohort.name), " to ", Strong(name), ".",))


# ---- a cohort-wide pause -----------------------------------------------------------------------------------

def parse_pause_all(rest: str, today: date) -> PauseAllArgs:
    try:
        asked = parse_pause(rest, today)
    except UsageError:
        raise UsageError(f"Pause the cohort for 1 to {MAX_PAUSE_WEEKS} weeks, like /cohort pause-all 2w.") from None
    return PauseAllArgs(asked.weeks, asked.reason)


def run_pause_all(args: PauseAllArgs, ctx: Context) -> Reply:
    cohort = cohort_in_view(ctx)
    if not args.weeks:
        weeks = 2 if {"finals", "exams", "exam", "holidays", "holiday"} & set(args.reason.split()) else 1
        return Reply(blocks=(
            Para(("How long a break for ", UserText(cohort.name), "? No nudges and no channel summary while it "
                  "lasts, and everyone's streak is frozen, not broken. Nothing changes until you choose.",)),
            Actions(tuple(Button(plural(n, "week"), "cohort", f"pause-all {n}w",
                                 style="primary" if n == weeks else None) for n in (1, 2, 3))),
        ), private=True)
    until = ctx.today + timedelta(weeks=args.weeks)
    cohorts.start_pause(ctx.deps.db, cohort.id, ctx.today, until, ctx.now)
    return info((UserText(cohort.name), f" is paused until {day(until)}: no nudges and no "
                 "channel summary, and everyone's streak is frozen, not broken. /cohort resume-all ends it sooner.",))


def run_resume_all(args: Nothing, ctx: Context) -> Reply:
    cohort = cohort_in_view(ctx)
    if not cohorts.end_pause(ctx.deps.db, cohort.id, ctx.today):
        return info((UserText(cohort.name), " isn't paused: nothing changed.",))
    return info((UserText(cohort.name), " is back: nudges and the summary resume on its next nudge day.",))


_COORDINATORS = "Only a coordinator (a cohort admin) or a workspace admin can "

LIST: Subcommand[Nothing] = Subcommand(
    "list", "Show this workspace's cohorts, and which one is yours.", "/cohort list", "/cohort list", Nothing,
    ignores_the_rest, run_list, aliases=("cohorts",))

ROWS: tuple[Subcommand[Any], ...] = (
    Subcommand("create", "Start another cohort, with its own channel, board and summary.",
               "/cohort create <name> [#channel] [day] [hour]", "/cohort create 2L #two-l tuesday 9am", CreateArgs,
               parse_create, run_create, admin=True, first_admin_may=True, fresh_admin_check=True,
               refusal=_COORDINATORS + "create a cohort.",
               details=(f"Names are 1 to {MAX_NAME} characters and unique here, whatever their case; put a name "
                        "with spaces in quotes. Without a channel, it's the one you type this in.",
                        "New members who type a command in its channel join it. You coordinate it: not on its "
                        "board, no nudges, unless you log an entry or /cohort join.")),
    Subcommand("rename", "Rename a cohort (the first one is called Cohort until you do).",
               "/cohort rename [<cohort> to] <new name>", "/cohort rename 1L", RenameArgs, parse_rename, run_rename,
               admin=True, fresh_admin_check=True, refusal=_COORDINATORS + "rename a cohort.",
               details=("Without a cohort, it renames the one whose channel you type it in, else yours.",)),
    Subcommand("pause-all", "Pause a whole cohort for exams or holidays: no nudges, no summary, streaks frozen.",
               "/cohort pause-all [<n>w | for <reason>]", "/cohort pause-all 2w", PauseAllArgs, parse_pause_all,
               run_pause_all, admin=True, fresh_admin_check=True, refusal=_COORDINATORS + "pause the whole cohort.",
               details=(f"From 1 to {MAX_PAUSE_WEEKS} weeks, starting today; one week if you don't say. It pauses "
                        "the cohort whose channel you type it in, else yours.",)),
    Subcommand("resume-all", "End a cohort-wide pause early.", "/cohort resume-all", "/cohort resume-all", Nothing,
               takes_nothing("resume-all"), run_resume_all, admin=True, fresh_admin_check=True,
               refusal=_COORDINATORS + "resume the whole cohort."),
)
