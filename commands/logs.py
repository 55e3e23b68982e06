"""What `/interview` and `/network` share: reading a line (`commands.understand`) and storing the entry.

A line read for sure is stored at once. One the reader is unsure of is shown back with Save, Change and Cancel
(`commands.drafts`), and nothing is stored until Save is pressed: Save runs the same command with a canonical text
the reader is always sure of, Change (`--change <canonical>`) opens the form prefilled, Cancel (`--cancel`)
stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from commands.context import Context
from commands.drafts import ask, cancelled, change_form
from commands.lexicon import Vocabulary
from commands.model import Actions, Button, Para, Reply, Strong, UserText
from commands.parsing import describe_day, describe_when, label
from commands.replies import SHARED, plural
from commands.understand import MAX_NAME, Understood, understand
from storage import activities, board
from storage.clock import week_start
from storage.scoring import TOO_OLD_DAYS

__all__ = ["MAX_NAME", "Cancel", "Draft", "Entry", "LogArgs", "Revise", "parse_entry", "run_entry", "share_reply",
           "status_for", "store"]


@dataclass(frozen=True)
class LogArgs:
    """An entry read for sure: stored as it is."""

    kind: str  # "interview" or "networking"
    org: str
    subtype: str
    understood_from: str | None  # the words the member typed for the stage/type, when not the canonical word
    day: date
    notes: str
    share: bool = False
    time: str | None = None  # "14:00", when a time of day was typed


@dataclass(frozen=True)
class Draft:
    """A line the reader is unsure of: shown back with Save, Change and Cancel; nothing stored."""

    understood: Understood


@dataclass(frozen=True)
class Revise:
    """`--change <canonical>`: the form, prefilled with what was understood."""

    understood: Understood | None
    command: str


@dataclass(frozen=True)
class Cancel:
    """`--cancel`: a draft dropped; nothing stored."""


Entry = LogArgs | Draft | Revise | Cancel


def status_for(day: date, today: date, current: str | None = None) -> str:
    """An entry dated ahead is planned (it scores once confirmed); a date in the past means it happened.
    A cancelled entry stays cancelled whatever its date."""
    if current == "cancelled":
        return current
    return "planned" if day > today else "done"


def parse_entry(text: str, vocabulary: Vocabulary, today: date) -> Entry:
    """Read an /interview or /network line: an entry to store, a draft to ask about, or a draft's button."""
    head, _, rest = text.strip().partition(" ")
    if head.lower() == "--cancel":
        return Cancel()
    if head.lower() == "--change":
        read = understand(rest, vocabulary, today, today_by_default=False) if rest.strip() else None
        return Revise(read, vocabulary.command)
    read = understand(text, vocabulary, today)
    if not read.sure or read.day is None or read.kind != vocabulary.kind:
        return Draft(read)
    return LogArgs(kind=read.kind, org=read.name, subtype=read.subtype, understood_from=read.typed_kind,
                   day=read.day, notes=read.notes, share=read.share, time=read.time)


def run_entry(args: Entry, ctx: Context) -> Reply:
    if isinstance(args, LogArgs):
        return store(args, ctx, source=ctx.request.source)
    if isinstance(args, Draft):
        return ask(args.understood, ctx.today)
    if isinstance(args, Revise):
        return change_form(args.understood, args.command)
    return cancelled()


def store(args: LogArgs, ctx: Context, *, source: str) -> Reply:
    """Store the entry and confirm it: points, what was understood, the week so far."""
    today = ctx.today
    cohort, member = ctx.cohort, ctx.member
    logged = activities.log_activity(
        ctx.deps.db,
        workspace_key=ctx.membership.workspace_key,
        cohort_id=cohort.id,
        member_id=member.id,
        kind=args.kind,
        subtype=args.subtype,
        org=args.org,
        happened_on=args.day,
        notes=args.notes,
        status=status_for(args.day, today),
        source=source,
        now=ctx.now,
        rules=cohort.rules,
        typed_on=today,
        time_of_day=args.time,
    )
    act = logged.activity
    what = label(act.kind, act.subtype)
    if act.kind == "networking":
        lead, joiner = what, " with "
    elif act.subtype in ("offer", "rejection"):
        lead, joiner = what, " from "
    else:
        lead, joiner = (f"{what} interview" if what != "interview" else what), " at "
    head: list[str | Strong | UserText] = [
        "Logged ",
        Strong(lead),
        joiner,
        UserText(act.org),
        f", {describe_when(act.happened_on, today, args.time)}",
        f" (#{act.seq}).",
    ]
    blocks: list[Para | Actions] = [Para(tuple(head)), Para((" ".join(_details(args, logged, ctx)),))]
    if act.notes:
        blocks.append(Para(("Notes: ", UserText(act.notes)), style="muted"))
    if not member.active:
        blocks.append(Para(("You left the cohort, so this is not on the leaderboard. /cohort join brings you back.",),
                           style="muted"))
    buttons = [Button("Undo", "cohort", f"delete {act.seq}", style="danger")]  # this entry, whatever came after
    if not args.share:
        buttons.insert(0, Button("Share with the channel", "cohort", f"share {act.seq}"))
    blocks.append(Actions(tuple(buttons)))
    if args.share:
        blocks.append(Para(("Shared with the channel (your notes stay private).",), style="muted"))
        return Reply(blocks=tuple(blocks), private=True, share=share_post(ctx, act))
    return Reply(blocks=tuple(blocks), private=True)


def _details(args: LogArgs, logged: activities.Logged, ctx: Context) -> list[str]:
    """What the confirmation says under its first line: what was read, points, the week so far."""
    today, what = ctx.today, label(logged.activity.kind, logged.activity.subtype)
    details: list[str] = []
    if args.understood_from:
        details.append(f"I read {args.understood_from!r} as {what}.")
    details.append(_score_line(logged, ctx))
    details += _outcome_lines(logged)
    week = board.member_sums(ctx.deps.db, ctx.member.id, week_start(today), today)
    if week is not None:
        details.append(f"This week: {week.interviews + week.meetings} of your goal of {ctx.member.weekly_goal}.")
    return details


def _score_line(logged: activities.Logged, ctx: Context) -> str:
    act, cap = logged.activity, ctx.cohort.rules.daily_cap
    if act.happened_on > ctx.today:
        return (f"It's upcoming: it scores once it has happened. I'll check with you the day after "
                f"(or answer early with /cohort happened {act.seq} yes).")
    if logged.too_old:
        return (f"Saved, but it doesn't score: entries count on the board when they are logged within "
                f"{TOO_OLD_DAYS} days of happening.")
    if act.subtype == "rejection":
        return "It's on your record; an outcome scores nothing and isn't one more interview."
    if logged.duplicate_of_day:
        what = "interview" if act.kind == "interview" else "meeting"
        return f"You already logged this {what} with them that day, so it scores once."
    if logged.capped and logged.capped_by == "typed":
        return (f"+{plural(act.points, 'point')}: everything typed today counts under today's cap of {cap}, "
                "whatever its date, so catching up can't move the board in minutes.")
    if logged.capped:
        return f"+{plural(act.points, 'point')} (the daily cap of {cap} keeps the board fair)."
    if logged.implied_interview:
        return (f"+{plural(act.points, 'point')}: the offer bonus and the interview it stands for (none at "
                "this firm was logged in the last six months).")
    return f"+{plural(act.points, 'point')}."


def _outcome_lines(logged: activities.Logged) -> list[str]:
    """What an offer or a rejection means for the member, and the application's path so far."""
    act = logged.activity
    lines: list[str] = []
    if act.subtype == "offer":
        lines.append("An offer! Congratulations. You're in control now: keep interviewing to keep your options.")
    elif act.subtype == "rejection":
        lines.append("Sorry, that stings. Every interview still built your network: the people you met are "
                     "contacts now. A short thank-you that asks to stay in touch keeps that door open; log the "
                     "follow-up with /network.")
    if len(logged.history) > 1:
        lines.append("Path so far: " + " → ".join(label("interview", s.subtype) for s in logged.history) + ".")
    return lines


def share_reply(ctx: Context, act: activities.Activity) -> Reply:
    """`/cohort share`: a private note that it was shared, and the post for the channel."""
    return Reply(blocks=(Para((SHARED,)),), private=True, share=share_post(ctx, act))


def share_post(ctx: Context, act: activities.Activity) -> tuple[Para, ...]:
    """A public post celebrating an entry (notes stay private)."""
    today = ctx.today
    what = label(act.kind, act.subtype)
    name = ctx.member.display_name or "A member"
    if act.subtype == "offer":
        text: tuple[str | Strong | UserText, ...] = (
            "\U0001f389 ", UserText(name), " got an ", Strong("offer"), " from ", UserText(act.org), "!",
        )
    elif act.kind == "interview":
        text = ("\U0001f4bc ", UserText(name), " had a ", Strong(f"{what} interview" if what != "interview"
                else "interview"), " at ", UserText(act.org), f", {describe_day(act.happened_on, today)}.")
    else:
        text = ("\U0001f91d ", UserText(name), " logged a ", Strong(what), " with ", UserText(act.org),
                f", {describe_day(act.happened_on, today)}.")
    return (Para(text),)
