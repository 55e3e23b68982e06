"""What `/interview` and `/network` share: reading `<who> [kind] [when] [-- notes]` and storing the entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from commands.context import Context
from commands.model import Actions, Button, Para, Reply, Strong, UserText
from commands.parsing import (
    Token,
    UsageError,
    describe_day,
    label,
    match_phrase,
    near_miss,
    parse_date_words,
    quoted,
    tokenize,
)
from commands.replies import plural
from storage import activities, board
from storage.clock import week_start

MAX_NAME = 200


@dataclass(frozen=True)
class LogArgs:
    kind: str  # "interview" or "networking"
    org: str
    subtype: str
    understood_from: str | None  # the words the member typed for the stage/type, when not the canonical word
    day: date
    notes: str
    share: bool = False


def status_for(day: date, today: date, current: str | None = None) -> str:
    """An entry dated ahead is planned (it scores once confirmed); a date in the past means it happened.
    A cancelled entry stays cancelled whatever its date."""
    if current == "cancelled":
        return current
    return "planned" if day > today else "done"


def parse_log(
    text: str, *, kind: str, synonyms: dict[str, str], default: str, today: date, what: str, kind_word: str
) -> LogArgs:
    """Parse `<who> [kind] [when] [--share] [-- notes]`; `what` names the first field in messages."""
    tokens, notes = tokenize(text)
    share = any(not t.quoted and t.text.lower() == "--share" for t in tokens)
    tokens = [t for t in tokens if t.quoted or t.text.lower() != "--share"]
    tail = _read_tail(tokens, synonyms, today)
    org = _name(tail.rest, synonyms, today, what=what, kind_word=kind_word)
    canonical = tail.subtype or default
    understood = tail.typed_kind if tail.typed_kind and tail.typed_kind.lower() != canonical else None
    return LogArgs(
        kind=kind,
        org=org,
        subtype=canonical,
        understood_from=understood,
        day=tail.day or today,
        notes=notes or "",
        share=share,
    )


@dataclass(frozen=True)
class _Tail:
    rest: list[Token]
    day: date | None = None
    subtype: str | None = None
    typed_kind: str | None = None


def _tail_of(tokens: list[Token], width: int) -> list[str] | None:
    tail = tokens[-width:]
    if len(tokens) > width and not any(t.quoted for t in tail):
        return [t.text for t in tail]
    return None


def _read_tail(tokens: list[Token], synonyms: dict[str, str], today: date) -> _Tail:
    """Read the optional words from the end: a date and a stage/type, in either order."""
    found = _Tail(tokens)
    for _ in range(2):
        before = found
        if found.day is None:
            for width in (2, 1):
                words = _tail_of(found.rest, width)
                parsed = parse_date_words(words, today) if words else None
                if parsed is not None:
                    found = _Tail(found.rest[:-width], parsed, found.subtype, found.typed_kind)
                    break
        if found is before and found.subtype is None:
            for width in (3, 2, 1):
                words = _tail_of(found.rest, width)
                subtype = match_phrase(words, synonyms) if words else None
                if subtype is not None and words:
                    found = _Tail(found.rest[:-width], found.day, subtype, " ".join(words))
                    break
        if found is before:
            break
    return found


def _name(tokens: list[Token], synonyms: dict[str, str], today: date, *, what: str, kind_word: str) -> str:
    """The person or organisation: what is left once the date and the stage or type are read."""
    if not tokens or not any(t.text for t in tokens):
        raise UsageError(f"Tell me the {what} first.")
    if tokens[0].quoted and len(tokens) > 1:
        extra = " ".join(t.text for t in tokens[1:])
        hint = near_miss(tokens[1].text, synonyms)
        if hint:
            raise UsageError(f"Unknown {kind_word} ", *quoted(extra), f". Did you mean {hint!r}?")
        raise UsageError("I don't understand ", *quoted(extra), f" after the {what}. Put notes after --.")
    if not tokens[0].quoted and len(tokens) > 1:
        hint = near_miss(tokens[-1].text, synonyms)
        if hint:
            raise UsageError(f"Unknown {kind_word} ", *quoted(tokens[-1].text), f". Did you mean {hint!r}?")
    org = " ".join(t.text for t in tokens).strip()
    if not org:
        raise UsageError(f"The {what} is empty. Type a name, in quotes if it has a comma.")
    if len(tokens) == 1 and not tokens[0].quoted:
        lone = tokens[0].text
        if match_phrase([lone], synonyms) is not None or parse_date_words([lone], today) is not None:
            raise UsageError(*quoted(lone), f" looks like a {kind_word} or a date, but the {what} is missing.")
    if len(org) > MAX_NAME:
        raise UsageError(f"The {what} is {len(org)} characters; keep it under {MAX_NAME}. Put detail in notes.")
    return org


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
        f", {describe_day(act.happened_on, today)}",
        f" (#{act.seq}).",
    ]
    blocks: list[Para | Actions] = [Para(tuple(head)), Para((" ".join(_details(args, logged, ctx)),))]
    if act.notes:
        blocks.append(Para(("Notes: ", UserText(act.notes)), style="muted"))
    if not member.active:
        blocks.append(Para(("You left the cohort, so this is not on the leaderboard. /cohort join brings you back.",),
                           style="muted"))
    buttons = [Button("Undo", "cohort", f"delete {act.seq}", style="danger")]
    if not args.share:
        buttons.insert(0, Button("Share with the channel", "cohort", f"share {act.seq}"))
    blocks.append(Actions(tuple(buttons)))
    reply = Reply(blocks=tuple(blocks), private=True)
    if args.share:
        return share_reply(ctx, act)
    return reply


def _details(args: LogArgs, logged: activities.Logged, ctx: Context) -> list[str]:
    """What the confirmation says under its first line: what was read, points, the week so far."""
    act, today, what = logged.activity, ctx.today, label(logged.activity.kind, logged.activity.subtype)
    details: list[str] = []
    if args.understood_from:
        details.append(f"I read {args.understood_from!r} as {what}.")
    if act.happened_on > today:
        details.append(f"It's upcoming: it scores once it has happened. I'll check with you the day after "
                       f"(or answer early with /cohort happened {act.seq} yes).")
    elif logged.duplicate_of_day:
        details.append(f"You already logged this {act.kind} with them that day, so it scores once.")
    elif logged.capped:
        details.append(f"+{act.points} points (the daily cap of {ctx.cohort.rules.daily_cap} keeps the board "
                       "fair).")
    else:
        details.append(f"+{plural(act.points, 'point')}.")
    if act.subtype == "offer":
        details.append("An offer! Congratulations. You're in control now: keep interviewing to keep your options.")
    week = board.member_sums(ctx.deps.db, ctx.member.id, week_start(today), today)
    if week is not None:
        details.append(f"This week: {week.interviews + week.meetings} of your goal of {ctx.member.weekly_goal}.")
    return details


def share_reply(ctx: Context, act: activities.Activity) -> Reply:
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
    return Reply(blocks=(Para(text),), private=False)
