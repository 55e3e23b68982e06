"""/cohort subcommands about being in the cohort: join, leave, goal, privacy.

Privacy: named (the default), anonymous (shown as "a member") or hidden (left off the board, still counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from commands.cohort.subcommand import Nothing, Subcommand, takes_nothing
from commands.context import Context
from commands.model import Reply
from commands.parsing import UsageError
from commands.replies import info
from storage import members

MAX_GOAL = 50
PRIVACY = ("named", "anonymous", "hidden")
SHOWN = {"named": "by your name", "anonymous": "as \u201ca member\u201d",
         "hidden": "nowhere (your entries still count in the cohort totals)"}


@dataclass(frozen=True)
class GoalArgs:
    number: int  # entries a week


@dataclass(frozen=True)
class PrivacyArgs:
    choice: str  # one of PRIVACY


def run_join(args: Nothing, ctx: Context) -> Reply:
    if ctx.member.active and not ctx.membership.created:
        return info(("You're already in the cohort. Log something with /interview or /network.",))
    # Leaving turned reminders off; coming back turns them on again.
    members.update_member(ctx.deps.db, ctx.member.id, ctx.now, active=1, nudges_enabled=1)
    return info(("Welcome to the cohort! Log interviews with /interview and meetings with /network; "
                 "/progress shows your week.",))


def run_leave(args: Nothing, ctx: Context) -> Reply:
    members.update_member(ctx.deps.db, ctx.member.id, ctx.now, active=0, nudges_enabled=0)
    return info(("You've left the cohort: you're off the leaderboard and get no reminders. Your entries are "
                 "kept; /cohort join brings you back.",))


def parse_goal(rest: str, today: date) -> GoalArgs:
    if not rest.isdecimal() or not 1 <= int(rest) <= MAX_GOAL:
        raise UsageError(f"A weekly goal is a whole number of entries from 1 to {MAX_GOAL}, like /cohort goal 4.")
    return GoalArgs(int(rest))


def run_goal(args: GoalArgs, ctx: Context) -> Reply:
    members.update_member(ctx.deps.db, ctx.member.id, ctx.now, weekly_goal=args.number)
    return info((f"Your weekly goal is now {args.number} {'entry' if args.number == 1 else 'entries'}.",))


def parse_privacy(rest: str, today: date) -> PrivacyArgs:
    choice = rest.lower()
    if choice not in PRIVACY:
        raise UsageError("Privacy is named, anonymous or hidden, like /cohort privacy anonymous.")
    return PrivacyArgs(choice)


def run_privacy(args: PrivacyArgs, ctx: Context) -> Reply:
    members.update_member(ctx.deps.db, ctx.member.id, ctx.now, privacy=args.choice)
    return info((f"Privacy set to {args.choice}: the leaderboard shows you {SHOWN[args.choice]}.",))


ROWS: tuple[Subcommand[Any], ...] = (
    Subcommand("join", "Join the cohort (or come back after leaving).", "/cohort join", "/cohort join",
               Nothing, takes_nothing("join"), run_join),
    Subcommand("leave", "Leave the board and stop reminders; your entries are kept.", "/cohort leave",
               "/cohort leave", Nothing, takes_nothing("leave"), run_leave),
    Subcommand("goal", "Set how many entries a week you aim for.", "/cohort goal <n>", "/cohort goal 4",
               GoalArgs, parse_goal, run_goal, details=(f"A whole number from 1 to {MAX_GOAL}.",)),
    Subcommand("privacy", "Choose how the leaderboard shows you.", "/cohort privacy named|anonymous|hidden",
               "/cohort privacy anonymous", PrivacyArgs, parse_privacy, run_privacy,
               details=("named (the default) shows your name, anonymous shows \u201ca member\u201d, hidden leaves "
                        "you off the board (your entries still count in the cohort totals).",)),
)
