"""/cohort subcommands for coordinators: setup (where a cohort's weekly summary goes, and when nudges go out) and
admin (make another member a coordinator).

Both are for coordinators (cohort admins) or workspace admins only, and the transport asks the platform afresh
whether the asker is a workspace admin before running them. While the workspace has no coordinator, whoever runs
setup becomes its first. Whoever runs setup coordinates: an admin who is not on the board and gets no nudges, unless
they have logged an entry (then they are both). Setup typed in a cohort's channel sets up that cohort; elsewhere,
the asker's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from commands.cohort.subcommand import Subcommand
from commands.context import Context
from commands.identity import cohort_in_view
from commands.model import Inline, Reply, Strong, UserText, Where
from commands.parsing import DAY_NAMES, WEEKDAYS, UsageError, quoted
from commands.replies import info
from storage import cohorts, members
from storage.members import Cohort, Member

_HOUR = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
_SLACK_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|([^>]*))?>$")
# A mention in the neutral form: <@U024BE7LH|dana> from Slack, <@8f2c…-…|Dana> (an AAD object id) from Teams.
_MENTION = re.compile(r"^<@([^|>\s]+)(?:\|([^>]*))?>$")


@dataclass(frozen=True)
class SetupArgs:
    channel_id: str = ""  # a picked channel (Slack's <#C…|name>)
    channel_name: str = ""
    typed: str = ""  # a plain "#name": the channel where the platform types channels, else ignored
    weekday: int | None = None  # 0 is Monday
    hour: int | None = None


@dataclass(frozen=True)
class AdminArgs:
    user_id: str  # the member's platform id, or the bare name typed
    name: str = ""  # how to show them when we don't know their name


def parse_hour(word: str) -> int:
    m = _HOUR.match(word.lower())
    if not m:
        raise UsageError("I can't read ", *quoted(word), " as an hour. Try 9, 9am, 14 or 2pm.")
    hour = int(m[1])
    if m[3] == "pm" and hour < 12:
        hour += 12
    if m[3] == "am" and hour == 12:
        hour = 0
    if not 0 <= hour <= 23:
        raise UsageError(*quoted(word), " is not an hour of the day. Try 9 or 2pm.")
    return hour


def _when(word: str) -> bool:
    return word.lower() in WEEKDAYS or _HOUR.match(word.lower()) is not None


def _channel_word(word: str) -> SetupArgs | None:
    """The channel the first word after setup names; None when it names none (it is a day, an hour, or nothing)."""
    picked = _SLACK_CHANNEL.match(word)
    if picked:
        return SetupArgs(channel_id=picked[1], channel_name=picked[2] or "")
    if word.startswith("#") and len(word) > 1:
        return SetupArgs(typed=word[1:])
    if not word or _when(word):
        return None
    raise UsageError(*quoted(word), " is not a channel. Type # and pick it, like /cohort setup #job-search.")


def parse_setup(rest: str, today: date) -> SetupArgs:
    words = rest.split()
    channel = _channel_word(words[0] if words else "")
    weekday = hour = None
    for word in words[1:] if channel is not None else words:
        if word.lower() in WEEKDAYS:
            weekday = WEEKDAYS[word.lower()]
        else:
            hour = parse_hour(word)
    return replace(channel or SetupArgs(), weekday=weekday, hour=hour)


def _in_the_channel(where: Where, name: str) -> UsageError:
    if where.typed_channels:
        return UsageError(f"Run cohort {name} in the channel where the weekly summary should go: @mention me there "
                          f"or type /cohort {name} there, or name the channel, like /cohort {name}"
                          f"{' 2L' if name == 'create' else ''} #job-search monday 9am.")
    return UsageError(f"Run cohort {name} in the channel where the weekly summary should go: @mention me there, "
                      f"like @cohortbot cohort {name}{' 2L' if name == 'create' else ''} monday 9am.")


def summary_channel(args: SetupArgs, where: Where, name: str = "setup") -> tuple[str, str]:
    """(channel id, name to show) for the summary.

    A picked channel names itself; a typed #name names a channel where the platform has typed channels (Slack,
    the shell); otherwise it is the channel the command was typed in, which a direct chat is not.
    """
    if args.channel_id:
        return args.channel_id, args.channel_name or args.channel_id
    if args.typed and where.typed_channels:
        return args.typed, args.typed
    if where.is_direct or not where.channel_id:
        raise _in_the_channel(where, name)  # raised, not answered: nothing is stored
    return where.channel_id, where.channel_name or where.channel_id


def check_channel_free(ctx: Context, channel: str, shown: str, cohort_id: int | None) -> None:
    """Each cohort has its own channel (commands typed there default to it): refuse another cohort's."""
    taken = members.cohort_of_channel(ctx.deps.db, ctx.membership.workspace_key, channel, shown)
    if taken is not None and taken.id != cohort_id:
        raise UsageError("#", UserText(shown), " is already the channel of the cohort ", UserText(taken.name),
                         ". Each cohort has its own channel: pick another.")


def coordinating(before: Member, after: Member) -> tuple[Inline, ...]:
    """What running setup or create made of the asker (nothing when they already were a coordinator)."""
    if before.is_admin:
        return ()
    if after.takes_part:
        return (" You're a cohort admin now (and still a member).",)
    return (" You're its coordinator (a cohort admin): you're not on the board and get no nudges. Log an entry "
            "or type /cohort join to take part too.",)


def invite_note(shown: str, where: Where) -> tuple[tuple[Inline, ...], ...]:
    if not where.typed_channels:  # Teams: the bot is already in the channel it was asked in
        return ()
    return (("If #", UserText(shown), " is a private channel, invite me to it (type /invite @cohortbot there): I join "
             "public channels myself, but only an invitation lets me into a private one."),)


def schedule(cohort: Cohort) -> tuple[Inline, ...]:
    return ("nudges go out on ", Strong(DAY_NAMES[cohort.nudge_weekday]),
            f" at {cohort.nudge_hour}:00 in each member's own timezone.")


def run_setup(args: SetupArgs, ctx: Context) -> Reply:
    db, where = ctx.deps.db, ctx.request.where
    target = cohort_in_view(ctx)
    channel, shown = summary_channel(args, where)
    check_channel_free(ctx, channel, shown, target.id)
    fields: dict[str, object] = {"summary_channel": channel, "channel_name": shown,
                                 "tz": ctx.member.tz or ctx.deps.default_tz}
    if args.weekday is not None:
        fields["nudge_weekday"] = args.weekday
    if args.hour is not None:
        fields["nudge_hour"] = args.hour
    cohort = members.set_cohort(db, target.id, **fields)
    member = members.make_coordinator(db, ctx.member.id, ctx.now)
    several = len(cohorts.cohorts(db, ctx.membership.workspace_key)) > 1
    first = ("Set up", *((" ", UserText(cohort.name)) if several else ()), ": the weekly summary goes to #",
             UserText(shown), " and ", *schedule(cohort), *coordinating(ctx.member, member))
    return info(first, *invite_note(shown, where))


def parse_admin(rest: str, today: date) -> AdminArgs:
    m = _MENTION.match(rest)
    target = m[1] if m else rest.lstrip("@")
    if not target or " " in target:
        raise UsageError("Mention the member to make an admin, like /cohort admin @dana.")
    return AdminArgs(target, (m[2] or "") if m else target)


def run_admin(args: AdminArgs, ctx: Context) -> Reply:
    db, workspace = ctx.deps.db, ctx.membership.workspace_key
    target = members.find_member(db, workspace, args.user_id) or members.find_member(db, workspace,
                                                                                      args.user_id.lower())
    if target is None:
        return info(("They haven't used cohortbot yet. Ask them to try /progress once, then run this again.",))
    members.update_member(db, target.id, ctx.now, is_admin=1)
    return info((UserText(target.display_name or args.name or args.user_id), " is now a cohort admin."))


ROWS: tuple[Subcommand[Any], ...] = (
    Subcommand("setup", "Choose where the weekly summary goes, and the nudge day and hour.",
               "/cohort setup [#channel] [day] [hour]", "/cohort setup #job-search monday 9am", SetupArgs,
               parse_setup, run_setup, admin=True, first_admin_may=True, fresh_admin_check=True,
               refusal="Only a cohort admin can change the setup. Ask one of them, or a workspace admin.",
               details=("Without a channel, the summary goes to the channel you type it in (in Teams, @mention me "
                        "there). Typed in a cohort's channel, it sets up that cohort; elsewhere, your own.",
                        "Whoever sets up a cohort coordinates it: a cohort admin who is not on the board and gets "
                        "no nudges, unless they log an entry or type /cohort join.")),
    Subcommand("admin", "Make another member a coordinator (a cohort admin).", "/cohort admin @member",
               "/cohort admin @dana", AdminArgs, parse_admin, run_admin, admin=True, fresh_admin_check=True,
               refusal="Only a cohort admin can add admins.",
               details=("They need to have used cohortbot once. A member made an admin stays a member: still on "
                        "the board, still nudged.",)),
)
