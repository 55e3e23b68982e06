"""/cohort subcommands about being in the cohort: join, leave, goal, privacy.

join takes a cohort's name to move to another cohort of the workspace (entries stay with the cohort they were logged
in); without one it joins the cohort whose channel it is typed in, else brings a member back to their own. A
coordinator who joins takes part too (nudged, on the board).

Privacy: named (the default), anonymous (shown as "a member") or hidden (left off the board, still counted).
Coordinators see everyone in their report, whatever the choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from commands.cohort.cohorts import QUOTES, named_cohort
from commands.cohort.subcommand import Nothing, Subcommand, takes_nothing
from commands.context import Context
from commands.identity import cohort_here
from commands.model import Reply, UserText
from commands.parsing import UsageError
from commands.replies import info
from storage import members

MAX_GOAL = 50
COORDINATORS_SEE = ("It changes what other members see. Coordinators see everyone, by name, in their report "
                    "(/cohort report), whatever you choose.")
PRIVACY = ("named", "anonymous", "hidden")
SHOWN = {"named": "by your name", "anonymous": "as \u201ca member\u201d",
         "hidden": "nowhere (your entries still count in the cohort totals)"}


@dataclass(frozen=True)
class JoinArgs:
    cohort: str = ""  # a cohort's name; empty: this channel's cohort, else your own


@dataclass(frozen=True)
class GoalArgs:
    number: int  # entries a week


@dataclass(frozen=True)
class PrivacyArgs:
    choice: str  # one of PRIVACY


def parse_join(rest: str, today: date) -> JoinArgs:
    return JoinArgs(" ".join(rest.strip(QUOTES).split()))


def run_join(args: JoinArgs, ctx: Context) -> Reply:
    member = ctx.member
    target = named_cohort(ctx, args.cohort) if args.cohort else (cohort_here(ctx) or ctx.cohort)
    moving = target.id != member.cohort_id
    if member.active and member.takes_part and not moving and not ctx.membership.created:
        if args.cohort:
            return info(("You're already in ", UserText(target.name), ". Log something with /interview or /network.",))
        return info(("You're already in the cohort. Log something with /interview or /network.",))
    # Leaving turned reminders off; coming back turns them on again. A coordinator who joins takes part too.
    members.update_member(ctx.deps.db, member.id, ctx.now, active=1, nudges_enabled=1, role="member",
                          cohort_id=target.id)
    if moving and not ctx.membership.created:
        return info(("You've moved to ", UserText(target.name), ": your new entries count there, on its board. "
                     "What you logged before stays with ", UserText(ctx.cohort.name), ".",))
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
    return info((f"Privacy set to {args.choice}: the leaderboard shows you {SHOWN[args.choice]}.",),
                (COORDINATORS_SEE,))


ROWS: tuple[Subcommand[Any], ...] = (
    Subcommand("join", "Join the cohort (or come back after leaving), or move to another one.",
               "/cohort join [cohort]", "/cohort join 2L", JoinArgs, parse_join, run_join,
               details=("Without a name, you join the cohort whose channel you type it in, or come back to yours. "
                        "Your entries stay with the cohort you logged them in; /cohort list shows the cohorts.",)),
    Subcommand("leave", "Leave the board and stop reminders; your entries are kept.", "/cohort leave",
               "/cohort leave", Nothing, takes_nothing("leave"), run_leave),
    Subcommand("goal", "Set how many entries a week you aim for.", "/cohort goal <n>", "/cohort goal 4",
               GoalArgs, parse_goal, run_goal, details=(f"A whole number from 1 to {MAX_GOAL}.",)),
    Subcommand("privacy", "Choose how the leaderboard shows you.", "/cohort privacy named|anonymous|hidden",
               "/cohort privacy anonymous", PrivacyArgs, parse_privacy, run_privacy,
               details=("named (the default) shows your name, anonymous shows \u201ca member\u201d, hidden leaves "
                        "you off the board (your entries still count in the cohort totals).", COORDINATORS_SEE)),
)
