"""The /cohort options about reminders and the weekly summary: pause, resume, nudges, setup, admin, and the
answers members give to nudges and follow-ups (tip feedback, thank-you notes, did-it-happen check-backs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from commands.context import Context
from commands.model import Para, Reply, Strong, UserText
from commands.parsing import WEEKDAYS, UsageError, describe_day, label, parse_id, quoted
from commands.replies import info
from storage import activities, ledger, members

ACTIONS = ("pause", "resume", "nudges", "setup", "admin", "tip", "thanks", "happened")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_PAUSE_WEEKS = 12
_WEEKS = re.compile(r"^(\d{1,2})\s*(w|wk|wks|week|weeks)?$")
_HOUR = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
_SLACK_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|([^>]*))?>$")
_CARD_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_SLACK_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$")
HAPPENED = {"yes": "yes", "y": "yes", "done": "yes", "rescheduled": "rescheduled", "moved": "rescheduled",
            "cancelled": "cancelled", "canceled": "cancelled", "no": "cancelled"}


@dataclass(frozen=True)
class ExtraArgs:
    action: str
    number: int = 0
    choice: str = ""
    channel: str = ""
    channel_name: str = ""
    weekday: int | None = None
    hour: int | None = None


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


def parse_extra(action: str, rest: str) -> ExtraArgs:
    words = rest.split()
    if action == "pause":
        m = _WEEKS.match(rest.strip().lower() or "1w")
        if not m or not 1 <= int(m[1]) <= MAX_PAUSE_WEEKS:
            raise UsageError(f"Pause for 1 to {MAX_PAUSE_WEEKS} weeks, like /cohort pause 2w.")
        return ExtraArgs("pause", number=int(m[1]))
    if action == "resume":
        return ExtraArgs("resume")
    if action == "nudges":
        if rest.strip().lower() not in ("on", "off"):
            raise UsageError("Say /cohort nudges off to stop weekly reminders, or /cohort nudges on.")
        return ExtraArgs("nudges", choice=rest.strip().lower())
    if action == "setup":
        if not words:
            raise UsageError("Name the summary channel, like /cohort setup #job-search monday 9am.")
        m = _SLACK_CHANNEL.match(words[0])
        if m:
            channel, name = m[1], m[2] or ""
        elif words[0].startswith("#") and len(words[0]) > 1:
            channel = name = words[0][1:]
        else:
            raise UsageError(*quoted(words[0]), " is not a channel. Type # and pick it, like /cohort setup "
                             "#job-search.")
        weekday = hour = None
        for word in words[1:]:
            if word.lower() in WEEKDAYS:
                weekday = WEEKDAYS[word.lower()]
            else:
                hour = parse_hour(word)
        return ExtraArgs("setup", channel=channel, channel_name=name, weekday=weekday, hour=hour)
    if action == "admin":
        m = _SLACK_USER.match(rest.strip())
        target = m[1] if m else rest.strip().lstrip("@")
        if not target or " " in target:
            raise UsageError("Mention the member to make an admin, like /cohort admin @dana.")
        return ExtraArgs("admin", channel=target, channel_name=(m[2] or "") if m else target)
    if action == "tip":
        if len(words) != 2 or words[0].lower() not in ("up", "down") or not _CARD_ID.match(words[1]):
            raise UsageError("Rate a tip with /cohort tip up <tip id> or /cohort tip down <tip id>.")
        return ExtraArgs("tip", choice=words[0].lower(), channel=words[1])
    if action == "thanks":
        if len(words) != 1:
            raise UsageError("Say which interview you thanked them for, like /cohort thanks 12.")
        return ExtraArgs("thanks", number=parse_id(words[0]))
    if action == "happened":
        if not words or len(words) > 2:
            raise UsageError("Answer with /cohort happened 12 yes, rescheduled or cancelled.")
        answer = HAPPENED.get(words[1].lower() if len(words) > 1 else "yes")
        if answer is None:
            raise UsageError("Answer yes, rescheduled or cancelled, like /cohort happened 12 yes.")
        return ExtraArgs("happened", number=parse_id(words[0]), choice=answer)
    raise UsageError(f"/cohort has no {action!r} option.")


def _is_admin(ctx: Context) -> bool:
    return ctx.member.is_admin or ctx.request.actor.is_workspace_admin


def run_extra(args: ExtraArgs, ctx: Context) -> Reply:
    db, member, now, today = ctx.deps.db, ctx.member, ctx.now, ctx.today
    if args.action == "pause":
        until = today + timedelta(weeks=args.number)
        members.start_pause(db, member.id, today, until, now)
        return info((f"Paused until {describe_day(until, today)}: no weekly nudges, and your streak is frozen, "
                     "not broken. /cohort resume to come back sooner.",))
    if args.action == "resume":
        members.end_pause(db, member.id, today, now)
        return info(("Welcome back! Nudges resume on the cohort's next nudge day.",))
    if args.action == "nudges":
        members.update_member(db, member.id, now, nudges_enabled=1 if args.choice == "on" else 0)
        if args.choice == "on":
            return info(("Weekly nudges are on.",))
        return info(("Weekly nudges are off. You can still log and see the leaderboard; /cohort nudges on "
                     "brings them back.",))
    if args.action == "setup":
        admins = members.cohort_admins(db, ctx.cohort.id)
        if admins and not _is_admin(ctx):
            return info(("Only a cohort admin can change the setup. Ask one of them, or a workspace admin.",))
        fields: dict[str, object] = {"summary_channel": args.channel, "tz": member.tz or ctx.deps.default_tz}
        if args.weekday is not None:
            fields["nudge_weekday"] = args.weekday
        if args.hour is not None:
            fields["nudge_hour"] = args.hour
        cohort = members.set_cohort(db, ctx.cohort.id, **fields)
        if not member.is_admin:
            members.update_member(db, member.id, now, is_admin=1)
        shown = args.channel_name or args.channel
        return info(("Set up: the weekly summary goes to #", UserText(shown), " and nudges go out on ",
                     Strong(DAY_NAMES[cohort.nudge_weekday]), f" at {cohort.nudge_hour}:00 in each member's "
                     "own timezone.", " You're a cohort admin." if not member.is_admin else ""))
    if args.action == "admin":
        if not _is_admin(ctx):
            return info(("Only a cohort admin can add admins.",))
        target = members.find_member(db, ctx.membership.workspace_key, args.channel)
        if target is None:
            target = members.find_member(db, ctx.membership.workspace_key, args.channel.lower())
        if target is None:
            return info(("They haven't used cohortbot yet. Ask them to try /progress once, then run this again.",))
        members.update_member(db, target.id, now, is_admin=1)
        return info((UserText(target.display_name or args.channel_name or args.channel), " is now a cohort admin."))
    if args.action == "tip":
        ledger.record_feedback(db, member.id, ctx.cohort.id, args.channel, 1 if args.choice == "up" else -1, now)
        if args.choice == "up":
            return info(("Thanks! I'll keep tips like that coming.",))
        return info(("Thanks for saying so; you'll see that kind of tip less often.",))
    act = activities.find_by_seq(db, ctx.membership.workspace_key, args.number)
    if act is None or act.member_id != member.id or act.deleted:
        raise UsageError(f"You have no entry #{args.number}. /progress lists your entries and their ids.")
    rules = ctx.cohort.rules
    if args.action == "thanks":
        if act.kind != "interview":
            raise UsageError(f"#{act.seq} is a meeting, not an interview.")
        if act.status != "done":
            raise UsageError(f"#{act.seq} hasn't happened yet.")
        if act.thanked_at is None:
            act = activities.update_activity(db, act, now, rules, thanked_at=now)
        return info(("Nice: a thank-you note keeps you memorable. +1 point on ", UserText(act.org), "."))
    if args.choice == "yes":
        if act.happened_on > today:
            raise UsageError(f"#{act.seq} is still upcoming ({describe_day(act.happened_on, today)}).")
        act = activities.update_activity(db, act, now, rules, status="done")
        return info((f"Great, #{act.seq} ", label(act.kind, act.subtype), " with ", UserText(act.org),
                     f" counts now: +{act.points} points."))
    if args.choice == "cancelled":
        activities.update_activity(db, act, now, rules, status="cancelled")
        return info((f"Noted: #{act.seq} was cancelled, so it doesn't score. Plenty more ahead.",))
    from commands.forms import form_for_edit

    return Reply(blocks=(Para((f"When is it now? /cohort edit {act.seq} date <new date>, e.g. "
                               f"/cohort edit {act.seq} date next tue.",)),), form=form_for_edit(ctx, act.seq))
