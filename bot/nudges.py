"""Who gets which message, and when: weekly nudges, follow-ups and the weekly cohort summary.

`plan(db, now, ...)` returns every message due at `now` that the ledger has not recorded as sent, as
platform-neutral `Outgoing` values (a target and a Reply). Sending, pacing and the exactly-once ledger live in
`bot/delivery.py`; this module has no platform code.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from bot.content import ARTICLES, POINT_ARTICLE, Card, load_cards
from bot.outgoing import Outgoing
from commands.context import zone
from commands.model import Actions, Button, Para, Reply, Strong, UserText
from commands.parsing import describe_day, label
from commands.replies import plural
from storage import board, digest, ledger, members, streaks
from storage.clock import week_start
from storage.digest import NudgeCandidate

CARD_MEMORY = timedelta(weeks=6)
FOLLOW_UP_HOUR = 9
MILESTONES = (3, 5, 10, 15, 20, 26, 52)
TOP_IN_SUMMARY = 5
# Situations in the order they matter most when choosing a card.
PRIORITY = ("back_from_pause", "first_week", "has_offer", "nothing_logged", "hesitant",
            "interviews_no_networking", "networking_no_interviews", "streak", "general")


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# ---- cards -------------------------------------------------------------------------------------------

def choose_card(
    situation: Sequence[str],
    *,
    cards: Sequence[Card],
    seen: set[str],
    scores: dict[str, tuple[int, int]],
    seed: str,
) -> Card:
    """A card that fits the member's most important situation, not seen lately, weighted by feedback."""
    rng = random.Random(seed)
    fresh = [c for c in cards if c.id not in seen] or list(cards)
    for tag in [t for t in PRIORITY if t in situation] + ["general"]:
        fitting = [c for c in fresh if tag in c.tags]
        if fitting:
            break
    else:
        fitting = fresh
    weights = []
    for card in fitting:
        up, down = scores.get(card.id, (0, 0))
        weights.append((1 + up) / (1 + 2 * down))  # poorly rated cards come up less, never never
    return rng.choices(fitting, weights=weights, k=1)[0]


def card_blocks(card: Card) -> list[Para]:
    return [
        Para(("\U0001f4a1 ", Strong(card.title))),
        Para((card.nudge,)),
        Para((f"From \u201c{ARTICLES[POINT_ARTICLE[card.point]]}\u201d",), style="muted"),
    ]


# ---- weekly nudges -----------------------------------------------------------------------------------

def _situation(db: Database, m: NudgeCandidate, today: date, stats: tuple[int, int, int]) -> tuple[list[str], int]:
    interviews, meetings, _ = stats
    tags: list[str] = []
    joined = datetime.fromisoformat(m.joined_at).date()
    if (today - joined).days <= 7:
        tags.append("first_week")
    if digest.pause_ended_between(db, m.id, today - timedelta(days=14), today):
        tags.append("back_from_pause")
    if digest.offer_since(db, m.id, today - timedelta(weeks=6)):
        tags.append("has_offer")
    days = board.active_days(db, m.id, today)
    count, _ = streaks.streak(days, today - timedelta(days=today.weekday() + 1), members.paused_days(db, m.id))
    if interviews + meetings == 0:
        tags.append("nothing_logged")
        if not days or days[0] < today - timedelta(days=14):
            tags.append("hesitant")
    elif meetings == 0:
        tags.append("interviews_no_networking")
    elif interviews == 0:
        tags.append("networking_no_interviews")
    if count >= 2:
        tags.append("streak")
    return tags, count


def nudge_reply(m: NudgeCandidate, stats: tuple[int, int, int], streak_weeks: int, card: Card,
                week_start: date) -> Reply:
    interviews, meetings, points = stats
    done = interviews + meetings
    if done:
        numbers = (f"Last week (from {week_start:%a} {week_start.day} {week_start:%b}): "
                   f"{plural(interviews, 'interview')} and {plural(meetings, 'meeting')}, "
                   f"{plural(points, 'point')}: {done} of your goal of {m.goal}."
                   + (" Goal met! \U0001f389" if done >= m.goal else ""))
    else:
        numbers = "Last week was quiet: nothing logged. One small step this week is plenty."
    blocks: list[Para | Actions] = [
        Para(("Your week ahead",), style="heading"),
        Para((numbers,)),
    ]
    if streak_weeks >= 2:
        blocks.append(Para((f"\U0001f525 {streak_weeks}-week streak. Log one entry this week to keep it.",)))
    blocks.extend(card_blocks(card))
    blocks.append(Actions((
        Button("Log an interview", "interview", "", style="primary"),
        Button("Log a meeting", "network", ""),
        Button("Pause a week", "cohort", "pause 1w"),
    )))
    blocks.append(Actions((
        Button("\U0001f44d Helpful", "cohort", f"tip up {card.id}"),
        Button("\U0001f44e Not for me", "cohort", f"tip down {card.id}"),
    )))
    return Reply(blocks=tuple(blocks), private=True)


def plan_nudges(db: Database, now: datetime, default_tz: str, cards: Sequence[Card] | None = None) -> list[Outgoing]:
    cards = cards or load_cards()
    due: list[tuple[NudgeCandidate, date]] = []
    for m in digest.nudge_candidates(db):
        local = now.astimezone(zone(m.tz, default_tz))
        today = local.date()
        if m.paused_until and date.fromisoformat(m.paused_until) > today:
            continue
        # Only on the nudge day itself: a run missed while the bot was down catches up that day, never later.
        if today.weekday() != m.nudge_weekday or local.hour < m.nudge_hour:
            continue
        due.append((m, today))
    if not due:
        return []
    sent = ledger.settled(db, [f"nudge:{m.id}:{iso_week(today)}" for m, today in due])
    due = [(m, t) for m, t in due if f"nudge:{m.id}:{iso_week(t)}" not in sent]
    by_week: dict[date, list[int]] = {}
    for m, today in due:
        by_week.setdefault(week_start(today) - timedelta(days=7), []).append(m.id)
    stats: dict[int, tuple[int, int, int]] = {}
    for start, ids in by_week.items():
        stats.update(digest.week_stats(db, ids, start, start + timedelta(days=6)))
    scores_by_cohort: dict[int, dict[str, tuple[int, int]]] = {}
    out: list[Outgoing] = []
    for m, today in due:
        week = iso_week(today)
        key = f"nudge:{m.id}:{week}"
        mine = stats.get(m.id, (0, 0, 0))
        situation, streak_weeks = _situation(db, m, today, mine)
        if m.cohort_id not in scores_by_cohort:
            scores_by_cohort[m.cohort_id] = ledger.card_scores(db, m.cohort_id)
        card = choose_card(situation, cards=cards, seen=ledger.recent_cards(db, m.id, now - CARD_MEMORY),
                           scores=scores_by_cohort[m.cohort_id], seed=key)
        out.append(Outgoing(key=key, kind="nudge", platform=m.platform, workspace=m.workspace,
                            workspace_key=m.workspace_key, target=m.user_id,
                            reply=nudge_reply(m, mine, streak_weeks, card, week_start(today) - timedelta(days=7)),
                            member_id=m.id, cohort_id=m.cohort_id, card_id=card.id,
                            who=m.display_name or m.user_id))
    return out


# ---- follow-ups --------------------------------------------------------------------------------------

def plan_follow_ups(db: Database, now: datetime, default_tz: str) -> list[Outgoing]:
    """Thank-you reminders the morning after an interview; "did it happen?" the day after a planned entry."""
    out: list[Outgoing] = []
    for c in digest.follow_up_candidates(db, (now - timedelta(days=9)).date()):
        act_id, seq, kind, subtype, org, happened = c.activity_id, c.seq, c.kind, c.subtype, c.org, c.happened_on
        local = now.astimezone(zone(c.tz, default_tz))
        today = local.date()
        day = date.fromisoformat(happened)
        if local.hour < FOLLOW_UP_HOUR:
            continue
        what = label(kind, subtype)
        if c.status == "done" and timedelta(days=1) <= today - day <= timedelta(days=2):
            reply = Reply(blocks=(
                Para(("How did the ", Strong(f"{what} interview" if what != "interview" else "interview"), " at ",
                      UserText(org), f" go ({describe_day(day, today)})? A short thank-you note today keeps you "
                      "in their mind; mention one thing you talked about.",)),
                Actions((Button("\u2709\ufe0f Sent it", "cohort", f"thanks {seq}", style="primary"),)),
            ))
            out.append(Outgoing(f"thanks:{act_id}", "thanks", c.platform, c.workspace, c.workspace_key, c.user_id,
                                reply, c.member_id, c.cohort_id, who=c.display_name or c.user_id))
        elif c.status == "planned" and timedelta(days=1) <= today - day <= timedelta(days=7):
            reply = Reply(blocks=(
                Para(("Did your ", Strong(what), " with " if kind == "networking" else " at ", UserText(org),
                      f" on {describe_day(day, today)} happen? It counts once you confirm.",)),
                Actions((
                    Button("Yes", "cohort", f"happened {seq} yes", style="primary"),
                    Button("Rescheduled", "cohort", f"happened {seq} rescheduled"),
                    Button("Cancelled", "cohort", f"happened {seq} cancelled"),
                )),
            ))
            # Keyed by the date too: an entry rescheduled to a later day is asked about again after that day.
            out.append(Outgoing(f"checkback:{act_id}:{happened}", "checkback", c.platform, c.workspace,
                                c.workspace_key, c.user_id, reply, c.member_id, c.cohort_id,
                                who=c.display_name or c.user_id))
    sent = ledger.settled(db, [o.key for o in out])
    return [o for o in out if o.key not in sent]


# ---- weekly cohort summary ---------------------------------------------------------------------------

def _shown(name: str, user_id: str, privacy: str) -> str | UserText | None:
    if privacy == "hidden":
        return None
    if privacy == "anonymous":
        return "a member"
    return UserText(name or user_id)


def summary_reply(db: Database, cohort_id: int, week_start: date, card: Card) -> Reply:
    end = week_start + timedelta(days=6)
    prev = week_start - timedelta(days=7)
    week = board.board(db, cohort_id, week_start, end)  # every member with an entry that week, highest first
    this, before = board.totals(week), board.totals(board.board(db, cohort_id, prev, prev + timedelta(days=6)))

    def change(now_n: int, was: int) -> str:
        diff = now_n - was
        return "same as the week before" if diff == 0 else f"{'+' if diff > 0 else ''}{diff} on the week before"

    blocks: list[Para] = [
        Para((f"Cohort week in review: {week_start:%a} {week_start.day} {week_start:%b} to {end:%a} {end.day} "
              f"{end:%b}",), style="heading"),
        Para((Strong(plural(this.interviews, "interview")), f" ({change(this.interviews, before.interviews)}) and ",
              Strong(plural(this.meetings, "networking meeting")), f" ({change(this.meetings, before.meetings)}), "
              f"{plural(this.points, 'point')} from {plural(this.members, 'member')}.")),
    ]
    listed = [r for r in week if r.active]  # members who logged nothing that week are not in `week` at all
    top = [r for r in listed if r.privacy != "hidden" and r.points > 0][:TOP_IN_SUMMARY]
    if top:
        blocks.append(Para(("Top of the board",), style="heading"))
        rank, last = 0, None
        for i, row in enumerate(top):
            rank = rank if row.points == last else i + 1
            last = row.points
            shown = _shown(row.display_name, row.user_id, row.privacy) or "a member"
            blocks.append(Para((f"{rank}. ", shown, f" \u2014 {plural(row.points, 'point')} "
                                f"({plural(row.interviews, 'interview')}, {plural(row.meetings, 'meeting')})",)))
    by_id = {r.member_id: r for r in listed}
    shown_offers = [s for s in (_shown(r.display_name, r.user_id, r.privacy)
                                for r in (by_id[m] for m in digest.offers_between(db, cohort_id, week_start, end)
                                          if m in by_id)) if s is not None]
    if shown_offers:
        spans: list[str | UserText | Strong] = ["\U0001f389 Offers this week: "]
        for i, who in enumerate(shown_offers):
            spans += [", " if i else "", who]
        spans.append(". Congratulations!")
        blocks.append(Para(tuple(spans)))
    milestones: list[str | UserText] = []
    for row in listed:
        weeks, _ = streaks.streak(board.active_days(db, row.member_id, end), end,
                                  members.paused_days(db, row.member_id))
        person = _shown(row.display_name, row.user_id, row.privacy)
        if weeks in MILESTONES and person is not None:
            milestones += [", " if milestones else "", person, f" ({weeks} weeks)"]
    if milestones:
        blocks.append(Para(("\U0001f525 Streak milestones: ", *milestones, ".")))
    if not this.interviews and not this.meetings:
        blocks.append(Para(("A quiet week. One interview or one coffee this week gets the board moving again.",)))
    blocks.extend(card_blocks(card))
    return Reply(blocks=tuple(blocks), private=False)


def plan_summaries(db: Database, now: datetime, default_tz: str, cards: Sequence[Card] | None = None) -> list[Outgoing]:
    cards = cards or load_cards()
    out: list[Outgoing] = []
    for c in digest.summary_cohorts(db):
        local = now.astimezone(zone(c.tz, default_tz))
        today = local.date()
        if today.weekday() != c.nudge_weekday or local.hour < c.nudge_hour:
            continue
        key = f"summary:{c.id}:{iso_week(today)}"
        if ledger.settled(db, [key]):
            continue
        card = choose_card(["general"], cards=cards,
                           seen=ledger.recent_summary_cards(db, c.id, now - CARD_MEMORY),
                           scores=ledger.card_scores(db, c.id), seed=key)
        reply = summary_reply(db, c.id, week_start(today) - timedelta(days=7), card)
        out.append(Outgoing(key, "summary", c.platform, c.workspace, c.workspace_key, c.channel, reply, None, c.id,
                            card.id, who=f"#{c.channel}"))
    return out


def plan(db: Database, now: datetime, default_tz: str, *, kinds: Iterable[str] = ("nudge", "follow_up", "summary")
         ) -> list[Outgoing]:
    """Everything due at `now` and not yet sent."""
    kinds = set(kinds)
    out: list[Outgoing] = []
    if "nudge" in kinds:
        out += plan_nudges(db, now, default_tz)
    if "follow_up" in kinds:
        out += plan_follow_ups(db, now, default_tz)
    if "summary" in kinds:
        out += plan_summaries(db, now, default_tz)
    return out
