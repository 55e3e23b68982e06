"""/cohort subcommands about reminders, and the answers members give to them: pause, resume, nudges, and tip
(feedback on an advice card), thanks (a thank-you note was sent), happened (did a planned entry take place).

The answers are mostly pressed as buttons on a nudge or a follow-up; typing them works the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from commands.cohort.subcommand import Nothing, Subcommand, ignores_the_rest
from commands.context import Context
from commands.entries import form_for_edit, no_entry, own_entry
from commands.model import Actions, Button, Para, Reply, UserText
from commands.parsing import UsageError, describe_day, label, parse_id
from commands.replies import info, plural
from storage import activities, ledger, members

MAX_PAUSE_WEEKS = 12
_WEEKS = re.compile(r"^(\d{1,2})\s*(w|wk|wks|week|weeks)?$")
_CARD_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# Reasons with a usual length: "/cohort pause for finals" suggests two weeks; anything else, one.
PAUSE_SUGGESTIONS = {"finals": 2, "exams": 2, "exam": 2}
HAPPENED = {"yes": "yes", "y": "yes", "done": "yes", "rescheduled": "rescheduled", "moved": "rescheduled",
            "cancelled": "cancelled", "canceled": "cancelled", "no": "cancelled"}


@dataclass(frozen=True)
class PauseArgs:
    weeks: int  # 0: no length given ("pause for finals"), so ask with buttons and store nothing
    reason: str = ""


@dataclass(frozen=True)
class NudgesArgs:
    on: bool


@dataclass(frozen=True)
class TipArgs:
    up: bool
    card: str  # the advice card's id


@dataclass(frozen=True)
class ThanksArgs:
    number: int  # the interview's short id


@dataclass(frozen=True)
class HappenedArgs:
    number: int
    answer: str  # yes, rescheduled or cancelled


def parse_pause(rest: str, today: date) -> PauseArgs:
    """ "2w", "2 weeks", "for 2 weeks", "2w for finals" pause; "for finals" (no length) asks how long."""
    text = " ".join(rest.lower().split()) or "1w"
    text = text[4:] if text.startswith("for ") else text
    duration, _, _ = text.partition(" for ")
    m = _WEEKS.match(duration)
    if m and 1 <= int(m[1]) <= MAX_PAUSE_WEEKS:
        return PauseArgs(int(m[1]))
    if m or duration[:1].isdigit():
        raise UsageError(f"Pause for 1 to {MAX_PAUSE_WEEKS} weeks, like /cohort pause 2w.")
    return PauseArgs(0, reason=text)


def _suggest_pause(reason: str) -> Reply:
    """How long? Buttons that run /cohort pause <n>w; nothing is stored until one is pressed."""
    weeks = next((n for word, n in PAUSE_SUGGESTIONS.items() if word in reason.split()), 1)
    why = "Two weeks usually covers exams. " if weeks == 2 else ""
    return Reply(blocks=(
        Para((f"How long a pause? {why}No nudges while it lasts, and your streak is frozen, not broken. "
              "Nothing changes until you choose.",)),
        Actions(tuple(Button(plural(n, "week"), "cohort", f"pause {n}w", style="primary" if n == weeks else None)
                      for n in (1, 2, 3))),
    ), private=True)


def run_pause(args: PauseArgs, ctx: Context) -> Reply:
    if not args.weeks:
        return _suggest_pause(args.reason)
    until = ctx.today + timedelta(weeks=args.weeks)
    members.start_pause(ctx.deps.db, ctx.member.id, ctx.today, until, ctx.now)
    return info((f"Paused until {describe_day(until, ctx.today)}: no weekly nudges, and your streak is frozen, "
                 "not broken. /cohort resume to come back sooner.",))


def run_resume(args: Nothing, ctx: Context) -> Reply:
    members.end_pause(ctx.deps.db, ctx.member.id, ctx.today, ctx.now)
    return info(("Welcome back! Nudges resume on the cohort's next nudge day.",))


def parse_nudges(rest: str, today: date) -> NudgesArgs:
    if rest.lower() not in ("on", "off"):
        raise UsageError("Say /cohort nudges off to stop weekly reminders, or /cohort nudges on.")
    return NudgesArgs(rest.lower() == "on")


def run_nudges(args: NudgesArgs, ctx: Context) -> Reply:
    members.update_member(ctx.deps.db, ctx.member.id, ctx.now, nudges_enabled=1 if args.on else 0)
    if args.on:
        return info(("Weekly nudges are on.",))
    return info(("Weekly nudges are off. You can still log and see the leaderboard; /cohort nudges on "
                 "brings them back.",))


def parse_tip(rest: str, today: date) -> TipArgs:
    words = rest.split()
    if len(words) != 2 or words[0].lower() not in ("up", "down") or not _CARD_ID.match(words[1]):
        raise UsageError("Rate a tip with /cohort tip up <tip id> or /cohort tip down <tip id>.")
    return TipArgs(words[0].lower() == "up", words[1])


def run_tip(args: TipArgs, ctx: Context) -> Reply:
    ledger.record_feedback(ctx.deps.db, ctx.member.id, ctx.cohort.id, args.card, 1 if args.up else -1, ctx.now)
    if args.up:
        return info(("Thanks! I'll keep tips like that coming.",))
    return info(("Thanks for saying so; you'll see that kind of tip less often.",))


def parse_thanks(rest: str, today: date) -> ThanksArgs:
    words = rest.split()
    if len(words) != 1:
        raise UsageError("Say which interview you thanked them for, like /cohort thanks 12.")
    return ThanksArgs(parse_id(words[0]))


def _live_entry(ctx: Context, number: int) -> activities.Activity:
    act = own_entry(ctx, number)
    if act is None:
        raise no_entry(number)
    return act


def run_thanks(args: ThanksArgs, ctx: Context) -> Reply:
    act = _live_entry(ctx, args.number)
    if act.kind != "interview":
        raise UsageError(f"#{act.seq} is a meeting, not an interview.")
    if act.status != "done":
        raise UsageError(f"#{act.seq} hasn't happened yet.")
    if act.thanked_at is None:
        act = activities.update_activity(ctx.deps.db, act, ctx.now, ctx.cohort.rules, thanked_at=ctx.now)
    return info(("Nice: a thank-you note keeps you memorable. +1 point on ", UserText(act.org), "."))


def parse_happened(rest: str, today: date) -> HappenedArgs:
    words = rest.split()
    if not words or len(words) > 2:
        raise UsageError("Answer with /cohort happened 12 yes, rescheduled or cancelled.")
    answer = HAPPENED.get(words[1].lower() if len(words) > 1 else "yes")
    if answer is None:
        raise UsageError("Answer yes, rescheduled or cancelled, like /cohort happened 12 yes.")
    return HappenedArgs(parse_id(words[0]), answer)


def run_happened(args: HappenedArgs, ctx: Context) -> Reply:
    act = _live_entry(ctx, args.number)
    today, rules = ctx.today, ctx.cohort.rules
    if args.answer == "yes":
        if act.happened_on > today:
            raise UsageError(f"#{act.seq} is still upcoming ({describe_day(act.happened_on, today)}).")
        act = activities.update_activity(ctx.deps.db, act, ctx.now, rules, status="done")
        joiner = " with " if act.kind == "networking" else " at "
        return info((f"Great, #{act.seq} ", label(act.kind, act.subtype), joiner, UserText(act.org),
                     f" counts now: +{act.points} points."))
    if args.answer == "cancelled":
        activities.update_activity(ctx.deps.db, act, ctx.now, rules, status="cancelled")
        return info((f"Noted: #{act.seq} was cancelled, so it doesn't score. Plenty more ahead.",))
    return Reply(blocks=(Para((f"When is it now? /cohort edit {act.seq} date <new date>, e.g. "
                               f"/cohort edit {act.seq} date next tue.",)),), form=form_for_edit(ctx, act.seq))


ROWS: tuple[Subcommand[Any], ...] = (
    Subcommand("pause", "Pause your weekly nudges; your streak is frozen, not broken.",
               "/cohort pause [<n>w | for <reason>]", "/cohort pause 2w", PauseArgs, parse_pause, run_pause,
               details=(f"From 1 to {MAX_PAUSE_WEEKS} weeks; one week if you don't say.",
                        "/cohort pause for finals asks how long, with buttons; nothing changes until you press "
                        "one.")),
    Subcommand("resume", "End a pause early.", "/cohort resume", "/cohort resume", Nothing, ignores_the_rest,
               run_resume),
    Subcommand("nudges", "Turn your weekly reminders off or on.", "/cohort nudges off|on", "/cohort nudges off",
               NudgesArgs, parse_nudges, run_nudges),
    Subcommand("tip", "Rate an advice tip (the buttons under a tip do this).", "/cohort tip up|down <tip id>",
               "/cohort tip up offers-leverage", TipArgs, parse_tip, run_tip),
    Subcommand("thanks", "Say you sent a thank-you note after an interview (+1 point).", "/cohort thanks <id>",
               "/cohort thanks 12", ThanksArgs, parse_thanks, run_thanks),
    Subcommand("happened", "Answer whether a planned entry took place.",
               "/cohort happened <id> [yes|rescheduled|cancelled]", "/cohort happened 12 yes", HappenedArgs,
               parse_happened, run_happened,
               details=("yes counts it now; rescheduled lets you change its date; cancelled means it doesn't "
                        "score.",)),
)
