"""What is true of a member this week, and which advice card to send them.

Two different things are worked out here, and kept apart on purpose:
- **facts** (`bot.content.FACTS`): what a card's text may take for granted. A card whose `requires` / `unless`
  do not match the member's facts is never chosen for them, whatever its tags say.
- **situations** (`bot.content.TAGS`): what matters most this week, used only to prefer some of the cards that
  are true of the member over others. `first_week` breaks ties among them; it never overrides a situation.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from bot.content import Card
from storage import digest, streaks
from storage.clock import week_start
from storage.digest import NudgeCandidate
from storage.streaks import StreakState

OFFER_MEMORY = timedelta(weeks=6)  # has_offer: an offer logged this long ago still shapes the advice
RECENT = timedelta(weeks=6)  # interviewed_recently, networked_recently
PAUSE_MEMORY = timedelta(days=14)  # back_from_pause
# Situations in the order they matter most when choosing a card; `first_week` is not here: it breaks ties.
PRIORITY = ("back_from_pause", "recent_rejection", "has_offer", "nothing_logged", "hesitant",
            "interviews_no_networking", "networking_no_interviews", "streak", "general")


@dataclass(frozen=True)
class Situation:
    """One member on one nudge day."""

    last_week: tuple[int, int, int]  # (interviews, meetings, points) in the ISO week before this one
    streak: StreakState
    facts: frozenset[str]  # names from bot.content.FACTS
    tags: tuple[str, ...]  # names from bot.content.TAGS, in PRIORITY order, then first_week if it applies


def iso_week(day: date) -> str:
    """ "2026-W49": the week in a weekly message's ledger key."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def last_week_of(today: date) -> tuple[date, date]:
    start = week_start(today) - timedelta(days=7)
    return start, start + timedelta(days=6)


def member_facts(db: Database, member_id: int, joined: date, today: date, last_week: tuple[int, int, int],
                 recent: tuple[int, int, int], streak: StreakState) -> frozenset[str]:
    """The FACTS that hold for this member today; `recent` is their (interviews, meetings, points) of the last
    six weeks up to today."""
    start, _ = last_week_of(today)
    return facts_of(joined, today, last_week, recent, streak,
                    back_from_pause=digest.pause_ended_between(db, member_id, today - PAUSE_MEMORY, today),
                    has_offer=digest.offer_since(db, member_id, today - OFFER_MEMORY),
                    recent_rejection=digest.rejection_between(db, member_id, start - timedelta(days=7), today))


def facts_of(joined: date, today: date, last_week: tuple[int, int, int], recent: tuple[int, int, int],
             streak: StreakState, *, back_from_pause: bool, has_offer: bool, recent_rejection: bool
             ) -> frozenset[str]:
    """The FACTS, from what the database said about the member (one at a time or a page at once)."""
    interviews, meetings, _ = last_week
    found = {
        "first_week": (today - joined).days <= 7,
        "back_from_pause": back_from_pause,
        "has_offer": has_offer,
        # Last week or the week before; this week's so far counts too (a Thursday nudge after Tuesday's news).
        "recent_rejection": recent_rejection,
        "logged_last_week": interviews + meetings > 0,
        "interviewed_last_week": interviews > 0,
        "networked_last_week": meetings > 0,
        "interviewed_recently": recent[0] > 0,
        "networked_recently": recent[1] > 0,
        "streak": streak.weeks >= 2,
    }
    return frozenset(name for name, holds in found.items() if holds)


def situation_tags(facts: frozenset[str], last_week: tuple[int, int, int], days_since_entry: int | None
                   ) -> tuple[str, ...]:
    """The member's situations, most important first (see PRIORITY), then first_week if it applies."""
    interviews, meetings, _ = last_week
    found = {"back_from_pause", "recent_rejection", "has_offer", "streak", "first_week"} & facts
    if not interviews and not meetings:
        found.add("nothing_logged")
        if days_since_entry is None or days_since_entry > 14:
            found.add("hesitant")
    elif not meetings:
        found.add("interviews_no_networking")
    elif not interviews:
        found.add("networking_no_interviews")
    return tuple(t for t in PRIORITY if t in found) + (("first_week",) if "first_week" in found else ())


def situation(db: Database, m: NudgeCandidate, today: date, last_week: tuple[int, int, int],
              recent: tuple[int, int, int]) -> Situation:
    streak = streaks.member_streak(db, m.id, today)
    joined = datetime.fromisoformat(m.joined_at).date()
    return _situation(today, last_week, streak, member_facts(db, m.id, joined, today, last_week, recent, streak))


def _situation(today: date, last_week: tuple[int, int, int], streak: StreakState, facts: frozenset[str]
               ) -> Situation:
    latest = streak.last_active
    tags = situation_tags(facts, last_week, None if latest is None else (today - latest).days)
    return Situation(last_week=last_week, streak=streak, facts=facts, tags=tags)


Weeks = Mapping[tuple[int, date], tuple[int, int, int]]  # (member id, their today) -> (interviews, meetings, points)


def situations(db: Database, due: Sequence[tuple[NudgeCandidate, date]], last_weeks: Weeks, recents: Weeks
               ) -> list[Situation]:
    """`situation` for a page of due members (each once, on their own today), in the same order, asking the
    database a few questions for the whole page instead of six for each member."""
    today_of = {m.id: today for m, today in due}
    streak_of = streaks.member_streaks(db, today_of)
    back = digest.pauses_ended_between(db, {mid: (today - PAUSE_MEMORY, today) for mid, today in today_of.items()})
    offers = digest.offers_since(db, {mid: today - OFFER_MEMORY for mid, today in today_of.items()})
    rejected = digest.rejections_between(db, {mid: (last_week_of(today)[0] - timedelta(days=7), today)
                                              for mid, today in today_of.items()})
    out: list[Situation] = []
    for m, today in due:
        last_week, recent, streak = last_weeks[m.id, today], recents[m.id, today], streak_of[m.id]
        facts = facts_of(datetime.fromisoformat(m.joined_at).date(), today, last_week, recent, streak,
                         back_from_pause=m.id in back, has_offer=m.id in offers, recent_rejection=m.id in rejected)
        out.append(_situation(today, last_week, streak, facts))
    return out


def choose_card(
    situation: Sequence[str],
    facts: frozenset[str] | None,
    *,
    cards: Sequence[Card],
    seen: set[str],
    scores: dict[str, tuple[int, int]],
    seed: str,
) -> Card | None:
    """A card whose text is true of the member (`facts`; None for a channel: only cards true of anyone), that
    fits their most important situation, not seen lately, weighted by feedback. None only when no card is true.
    """
    true = [c for c in cards if c.fits(facts)]
    if not true:
        return None
    fresh = [c for c in true if c.id not in seen] or true
    fitting = fresh
    for tag in [t for t in PRIORITY if t in situation] + ["general"]:
        tagged = [c for c in fresh if tag in c.tags]
        if tagged:
            fitting = tagged
            break
    if "first_week" in situation:  # a tie-break among the cards that fit best, never an override
        fitting = [c for c in fitting if "first_week" in c.tags] or fitting
    rng = random.Random(seed)
    weights = []
    for card in fitting:
        up, down = scores.get(card.id, (0, 0))
        weights.append((1 + up) / (1 + 2 * down))  # poorly rated cards come up less, never never
    return rng.choices(fitting, weights=weights, k=1)[0]
