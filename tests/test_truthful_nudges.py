"""Truthful nudges: every streak line and every advice card is true of the member who gets it.

- The card rule, card by card: a card is never chosen for a member who lacks one of its `requires` facts or
  has one of its `unless` facts, whatever their situation tags say; conditional cards never go to a channel.
- The streak rule: a week that ended with no entry breaks the streak unless it was paused; the nudge names a
  streak only while it is alive, and says when one ended.
- A cohort (broken streak, live streak, paused, back from a pause, offer, no offer, rejection, first week,
  quiet) nudged over four Mondays, each nudge checked against facts worked out here from the raw rows,
  independently of storage/digest.py, storage/board.py and bot/situations.py.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlite_utils import Database

from bot.content import FACTS, Card, load_cards
from bot.nudges import nudge_line
from bot.situations import PRIORITY, choose_card, last_week_of, situation, situation_tags
from commands.model import Para, Reply, plain
from storage import digest, streaks
from storage.clock import week_start
from storage.streaks import StreakState, progress_line, streak_state
from tests.test_nudges import (
    MONDAY,
    MONDAY_NY_10AM,
    NY,
    Recorder,
    at,
    card,
    join,
    log,
    make_deliverer,
    member,
    nudge_sweep,
    ok,
    slack_say,
    utc,
)

CARDS = load_cards()
ALL_FACTS = frozenset(FACTS)
SEEDS = 60
WEEK = timedelta(days=7)


def chosen_ids(situation: tuple[str, ...] | list[str], facts: frozenset[str] | None, *, seen: set[str],
               n: int = SEEDS) -> set[str]:
    picks = (choose_card(situation, facts, cards=CARDS, seen=seen, scores={}, seed=f"s{i}") for i in range(n))
    return {c.id for c in picks if c is not None}


# ---- the card rule, card by card ---------------------------------------------------------------------

CONDITIONAL = [c for c in CARDS if not c.unconditional]


def untrue_members(c: Card) -> list[tuple[str, frozenset[str]]]:
    """Fact sets as close to the card as can be while its text is false: one requirement missing (with every
    other fact present), or one excluded fact present."""
    out = [(f"without {need}", ALL_FACTS - c.unless - {need}) for need in sorted(c.requires)]
    out += [(f"with {bad}", (ALL_FACTS - c.unless) | {bad}) for bad in sorted(c.unless)]
    return out


@pytest.mark.parametrize("c", CONDITIONAL, ids=lambda c: c.id)
def test_a_card_is_never_chosen_for_a_member_its_text_is_not_true_of(c: Card) -> None:
    others = {o.id for o in CARDS if o.id != c.id}
    tempting = (*c.tags, "first_week")  # the situations the card suits best, and the tie-break too
    for why, facts in untrue_members(c):
        assert not c.fits(facts), why
        for seen in (others, set()):  # the only card not seen lately, or one among many
            assert c.id not in chosen_ids(tempting, facts, seen=seen), (c.id, why)
    # ...nor to a channel, whose members vary.
    assert not c.fits(None)
    assert c.id not in chosen_ids(tempting, None, seen=others)


@pytest.mark.parametrize("c", CARDS, ids=lambda c: c.id)
def test_every_card_reaches_someone_its_text_is_true_of(c: Card) -> None:
    others = {o.id for o in CARDS if o.id != c.id}
    facts = frozenset(c.requires)
    assert c.fits(facts)
    assert c.id in chosen_ids(tuple(t for t in c.tags if t != "general"), facts, seen=others, n=5)


def test_over_every_combination_of_facts_the_chosen_card_is_true() -> None:
    names = sorted(FACTS)
    for mask in range(1 << len(names)):
        facts = frozenset(name for i, name in enumerate(names) if mask >> i & 1)
        tags = tuple(t for t in PRIORITY if t in facts or t == "nothing_logged" and "logged_last_week" not in facts)
        chosen = choose_card(tags, facts, cards=CARDS, seen=set(), scores={}, seed=f"m{mask}")
        assert chosen is not None and chosen.fits(facts), (facts, chosen)


def test_with_no_true_card_there_is_no_card_rather_than_a_false_one() -> None:
    offer_only = [c for c in CARDS if c.requires == {"has_offer"}]
    assert choose_card(["has_offer"], frozenset(), cards=offer_only, seen=set(), scores={}, seed="x") is None


# ---- first week breaks ties, it does not override --------------------------------------------------

def test_first_week_does_not_override_an_offer() -> None:
    facts = frozenset({"first_week", "has_offer", "interviewed_last_week", "logged_last_week"})
    tags = situation_tags(facts, (2, 0, 9), 3)
    assert tags[0] == "has_offer" and tags[-1] == "first_week"
    picks = chosen_ids(tags, facts, seen=set(), n=200)
    assert picks and all("has_offer" in card(i).tags for i in picks), picks


def test_first_week_breaks_the_tie_among_the_cards_that_fit_best() -> None:
    facts = frozenset({"first_week"})
    tags = situation_tags(facts, (0, 0, 0), None)
    assert tags == ("nothing_logged", "hesitant", "first_week")
    picks = chosen_ids(tags, facts, seen=set(), n=200)
    assert picks and all({"nothing_logged", "first_week"} <= card(i).tags for i in picks), picks
    # Once those are seen, the other quiet-week cards come next, still before any first-week-only card.
    both = {c.id for c in CARDS if {"nothing_logged", "first_week"} <= c.tags}
    later = chosen_ids(tags, facts, seen=both, n=200)
    assert later and all("nothing_logged" in card(i).tags for i in later), later


def test_a_recent_rejection_comes_before_an_older_offer() -> None:
    facts = frozenset({"recent_rejection", "has_offer", "interviewed_last_week", "logged_last_week"})
    picks = chosen_ids(situation_tags(facts, (1, 0, 3), 2), facts, seen=set(), n=200)
    assert picks and all("recent_rejection" in card(i).tags for i in picks)


# ---- the streak rule -------------------------------------------------------------------------------

MON = date(2026, 11, 30)  # the Monday of ISO week 2026-W49


def weeks_ago(n: int, weekday: int = 1) -> date:
    return week_start(MON) - n * WEEK + timedelta(days=weekday)


@pytest.mark.parametrize(
    ("days", "frozen", "expected"),
    [
        # a week that ended with no entry breaks it: the reported bug (2 weeks, then a quiet week)
        ([weeks_ago(3), weeks_ago(2)], [], dict(weeks=0, broken_last_week=True, ended_weeks=2)),
        ([weeks_ago(3), weeks_ago(2), weeks_ago(1)], [], dict(weeks=3, broken_last_week=False)),
        # a paused week neither counts nor breaks
        ([weeks_ago(3), weeks_ago(2)], [weeks_ago(1, 4)], dict(weeks=2, paused_last_week=True)),
        ([weeks_ago(3), weeks_ago(1)], [weeks_ago(2, 6)], dict(weeks=2, broken_last_week=False)),
        ([weeks_ago(4), weeks_ago(2)], [weeks_ago(3, 6)], dict(weeks=0, broken_last_week=True, ended_weeks=2)),
        # this week counts as soon as it has an entry, and cannot break anything before it ends
        ([weeks_ago(1), MON], [], dict(weeks=2, counts_this_week=True)),
        ([weeks_ago(2), MON], [], dict(weeks=1, counts_this_week=True, broken_last_week=True, ended_weeks=1)),
        ([], [], dict(weeks=0, broken_last_week=False, last_active=None)),
        ([weeks_ago(5)], [], dict(weeks=0, broken_last_week=False, last_active=weeks_ago(5))),
        ([MON + timedelta(days=3)], [], dict(weeks=0, counts_this_week=False)),  # a future day counts for nothing
    ],
)
def test_streak_state(days: list[date], frozen: list[date], expected: dict[str, Any]) -> None:
    state = streak_state(days, MON, frozen)
    for field, value in expected.items():
        assert getattr(state, field) == value, (field, state)
    assert streaks.streak(days, MON, frozen) == (state.weeks, state.counts_this_week)


def test_the_nudge_never_promises_a_streak_that_ended() -> None:
    broken = streak_state([weeks_ago(3), weeks_ago(2)], MON)
    assert nudge_line(broken) == ("Your 2-week streak ended last week with nothing logged. One entry this week "
                                  "starts a new one.")
    assert nudge_line(streak_state([weeks_ago(2), weeks_ago(1)], MON)) == (
        "\U0001f525 2-week streak. Log one entry this week to keep it.")
    assert nudge_line(streak_state([weeks_ago(2), weeks_ago(1), MON], MON)) == (
        "\U0001f525 3-week streak, this week included. Keep it going.")
    assert nudge_line(streak_state([weeks_ago(2)], MON)) is None  # one week that ended: nothing worth saying
    assert nudge_line(streak_state([weeks_ago(1)], MON)) is None


@pytest.mark.parametrize(
    ("state", "line"),
    [
        (StreakState(2, False, True, False), "Streak: 2 weeks, frozen while you are paused: it will not grow or "
                                             "break until the pause ends."),
        (StreakState(0, False, True, False), "Streak: frozen while you are paused. Log one entry after the pause "
                                             "to start one."),
        (StreakState(4, True, False, False), "Streak: 4 weeks in a row. Keep it going!"),
        (StreakState(4, False, False, False), "Streak: 4 weeks; log one entry by Sunday to keep it."),
        (StreakState(3, False, False, False, paused_this_week=True),
         "Streak: 3 weeks, safe this week thanks to your pause; an entry adds a week."),
        (StreakState(0, False, False, True, ended_weeks=4, last_active=MON - WEEK * 2),
         "Your 4-week streak ended: nothing was logged last week. Log one entry this week to start a new one."),
        (StreakState(0, False, False, False, last_active=MON - WEEK * 5),
         "No streak running: log one entry this week to start one."),
        (StreakState(0, False, False, False), "No streak yet: log one entry this week to start one."),
    ],
)
def test_the_progress_line(state: StreakState, line: str) -> None:
    assert progress_line(state) == line


# ---- a cohort, nudged over four Mondays, checked against the raw rows ----------------------------

def build(deps: Any) -> dict[str, str]:
    """Members in every situation the nudge must be truthful about (user -> what they are)."""
    people = {
        "U0LIVE": "live streak", "U0BROKE": "broken streak", "U0PAUSED": "paused now",
        "U0BACK": "back from a pause", "U0OFFER": "offer", "U0NOOFFER": "no offer", "U0REJECT": "rejection",
        "U0NEW": "first week", "U0NEWOFFER": "first week, with an offer", "U0QUIET": "never logged",
        "U0NET": "networking only",
    }
    for user in people:
        if user not in ("U0NEW", "U0NEWOFFER"):
            join(deps, user)
    join(deps, "U0NEW", when=utc("2026-11-26T15:00"))
    join(deps, "U0NEWOFFER", when=utc("2026-11-24T15:00"))
    entries = {
        "U0LIVE": ["/interview Latham screener 2026-11-10", '/network "Sam Park" coffee 2026-11-17',
                   "/interview Weil callback 2026-11-24"],
        "U0BROKE": ["/interview Cooley screener 2026-11-10", "/interview Ropes screener 2026-11-17"],
        "U0PAUSED": ["/interview Milbank screener 2026-11-17", '/network "Ana Ruiz" coffee 2026-11-24'],
        "U0BACK": ["/interview Jones screener 2026-11-03", "/interview Baker screener 2026-11-10"],
        "U0OFFER": ["/interview Cravath callback 2026-11-23", "/interview Cravath offer 2026-11-25"],
        "U0NOOFFER": ["/interview Kirkland screener 2026-11-24", '/network "Lee Chan" informational 2026-11-25'],
        # (a rejection is an outcome: whether its day keeps a streak going is the board's rule, storage/board.py;
        # this member's streak reads the same either way)
        "U0REJECT": ["/interview Sullivan callback 2026-11-03", "/interview Sullivan rejection 2026-11-24"],
        "U0NEWOFFER": ["/interview Debevoise screener 2026-11-24", "/interview Debevoise offer 2026-11-25"],
        "U0NET": ['/network "Dana Lee" informational 2026-11-24'],
    }
    for user, lines in entries.items():
        for line in lines:
            log(deps, user, line, when="2026-11-25T23:00")
    at(deps, "2026-11-12T15:00")
    ok(slack_say(deps, "U0BACK", "/cohort pause 2w", tz=NY))  # Thu 12 Nov to Thu 26 Nov
    at(deps, "2026-11-27T15:00")
    ok(slack_say(deps, "U0PAUSED", "/cohort pause 2w", tz=NY))  # Fri 27 Nov to Fri 11 Dec
    return people


def raw_entries(db: Database, member_id: int) -> list[tuple[str, str, date]]:
    rows = db.execute("SELECT kind, subtype, happened_on FROM activities WHERE member_id = ? AND status = 'done' "
                      "AND deleted_at IS NULL", [member_id]).fetchall()
    return [(k, s, date.fromisoformat(d)) for k, s, d in rows]


def raw_pauses(db: Database, member_id: int) -> list[tuple[date, date]]:
    rows = db.execute("SELECT starts_on, ends_on FROM pauses WHERE member_id = ?", [member_id]).fetchall()
    return [(date.fromisoformat(s), date.fromisoformat(e)) for s, e in rows]


def active_days(entries: list[tuple[str, str, date]]) -> list[date]:
    """Days with an entry that counts: any but a rejection (an application's outcome, not an interview)."""
    return [d for _, subtype, d in entries if subtype != "rejection"]


def oracle_streak(days: list[date], pauses: list[tuple[date, date]], today: date) -> tuple[int, int]:
    """(the live streak, the length of one that ended when last week closed) from the raw rows."""
    def logged(monday: date) -> bool:
        return any(monday <= d <= min(monday + timedelta(days=6), today) for d in days)

    def paused(monday: date) -> bool:
        return any(s <= monday + timedelta(days=6) and e > monday for s, e in pauses)

    def run(monday: date) -> int:
        n = 0
        while logged(monday) or paused(monday):
            n += logged(monday)
            monday -= WEEK
        return n

    this = today - timedelta(days=today.weekday())
    last = this - WEEK
    ended = run(last - WEEK) if not logged(last) and not paused(last) else 0
    return run(last) + logged(this), ended


def oracle_facts(db: Database, member_id: int, today: date) -> frozenset[str]:
    """FACTS, worked out from the raw rows as bot/content's FACTS describe them."""
    entries = raw_entries(db, member_id)
    pauses = raw_pauses(db, member_id)
    joined = datetime.fromisoformat(db.execute("SELECT joined_at FROM members WHERE id = ?",
                                               [member_id]).fetchone()[0]).date()
    last_start = today - timedelta(days=today.weekday()) - WEEK
    last = [(k, s) for k, s, d in entries if last_start <= d <= last_start + timedelta(days=6)]
    recent = [(k, s) for k, s, d in entries if today - timedelta(weeks=6) <= d <= today]
    alive, _ = oracle_streak(active_days(entries), pauses, today)
    holds = {
        "first_week": (today - joined).days <= 7,
        "back_from_pause": any(today - timedelta(days=14) <= e <= today for _, e in pauses),
        "has_offer": any(s == "offer" and d >= today - timedelta(weeks=6) for _, s, d in entries),
        "recent_rejection": any(s == "rejection" and last_start - WEEK <= d <= today for _, s, d in entries),
        "logged_last_week": bool(last),
        "interviewed_last_week": any(k == "interview" for k, _ in last),
        "networked_last_week": any(k == "networking" for k, _ in last),
        "interviewed_recently": any(k == "interview" for k, _ in recent),
        "networked_recently": any(k == "networking" for k, _ in recent),
        "streak": alive >= 2,
    }
    assert set(holds) == set(FACTS)
    return frozenset(f for f, ok_ in holds.items() if ok_)


def paras(reply: Reply) -> list[str]:
    return [plain(*b.spans) for b in reply.blocks if isinstance(b, Para)]


def check_streak_line(texts: list[str], days: list[date], pauses: list[tuple[date, date]], today: date) -> None:
    alive, ended = oracle_streak(days, pauses, today)
    lines = [t for t in texts if "streak" in t and "\U0001f4a1" not in t]
    fire = [t for t in lines if t.startswith("\U0001f525")]
    if alive >= 2:
        assert len(fire) == 1 and fire[0].startswith(f"\U0001f525 {alive}-week streak"), (lines, alive)
    else:
        assert not fire, (lines, alive)
    if ended >= 2 and alive < 2:
        assert any(f"Your {ended}-week streak ended last week" in t for t in lines), (lines, ended)
    else:
        assert not any("ended" in t for t in lines), (lines, ended)
    numbers = texts[1]
    if "nothing logged" in numbers and not any(s <= today - timedelta(days=1) and e > today - timedelta(days=7)
                                                for s, e in pauses):
        assert not fire, texts  # the reported bug: "quiet" and "🔥 2-week streak" in one message


def check_nudge(db: Database, out: Any, today: date) -> str:
    """Every claim in one nudge against the raw rows; returns the card's id."""
    facts = oracle_facts(db, out.member_id, today)
    chosen = card(out.card_id)
    assert chosen.fits(facts), (out.target, chosen.id, sorted(chosen.requires), sorted(facts))
    texts = paras(out.reply)
    assert chosen.nudge in texts
    entries = raw_entries(db, out.member_id)
    check_streak_line(texts, active_days(entries), raw_pauses(db, out.member_id), today)
    last_start, last_end = last_week_of(today)
    if "nothing logged" in texts[1]:
        assert not [d for _, _, d in entries if last_start <= d <= last_end], texts[1]
    # What the planner believes of the member errs only on the safe side of the truth, fact by fact.
    [m] = [c for c in digest.nudge_candidates(db) if c.id == out.member_id]
    start, end = last_week_of(today)
    last_week = digest.week_stats(db, [m.id], start, end).get(m.id, (0, 0, 0))
    recent = digest.week_stats(db, [m.id], today - timedelta(weeks=6), today).get(m.id, (0, 0, 0))
    believed = situation(db, m, today, last_week, recent).facts
    required = {f for c in CARDS for f in c.requires}
    excluded = {f for c in CARDS for f in c.unless}
    assert (believed & required) <= facts, (out.target, sorted(believed - facts))
    assert (facts & excluded) <= believed, (out.target, sorted(facts - believed))
    assert all(c.fits(facts) for c in CARDS if c.fits(believed))
    return chosen.id


async def test_every_nudge_over_four_weeks_is_true_of_its_member(deps: Any) -> None:
    people = build(deps)
    recorder = Recorder()
    deliverer = make_deliverer(deps, recorder)
    by_week: list[dict[str, Any]] = []
    for week in range(4):
        before = len(recorder.sent)
        await nudge_sweep(deps, deliverer, MONDAY_NY_10AM + week * WEEK)
        sent = {o.target: o for o in recorder.sent[before:]}
        for out in sent.values():
            check_nudge(deps.db, out, MONDAY + week * WEEK)
        by_week.append(sent)

    first = by_week[0]
    assert sorted(first) == sorted(set(people) - {"U0PAUSED"})  # paused now: no nudge at all
    text = {u: "\n".join(paras(o.reply)) for u, o in first.items()}
    assert "\U0001f525 3-week streak. Log one entry this week to keep it." in text["U0LIVE"]
    assert "Last week was quiet: nothing logged." in text["U0BROKE"]
    assert "Your 2-week streak ended last week with nothing logged." in text["U0BROKE"]
    assert "\U0001f525" not in text["U0BROKE"]
    assert "Last week you were on a pause" in text["U0BACK"]
    assert "\U0001f525 2-week streak" in text["U0BACK"]  # frozen, not broken, by two paused weeks
    assert "back_from_pause" in card(first["U0BACK"].card_id).tags
    assert "recent_rejection" in card(first["U0REJECT"].card_id).tags
    assert "has_offer" in card(first["U0OFFER"].card_id).tags
    assert "has_offer" in card(first["U0NEWOFFER"].card_id).tags  # first week does not override the offer
    assert {"first_week", "nothing_logged"} <= card(first["U0NEW"].card_id).tags
    assert "Welcome to the cohort" in text["U0NEW"]
    for user in ("U0NOOFFER", "U0QUIET", "U0NET", "U0LIVE", "U0BROKE", "U0NEW"):
        assert "has_offer" not in card(first[user].card_id).requires
    for user in ("U0QUIET", "U0NEW"):  # never had a streak: nothing said about one
        assert "streak" not in re.sub(r"\U0001f4a1.*", "", text[user], flags=re.S).lower()
    assert "nothing logged" not in text["U0REJECT"]  # they logged a rejection
    # A week later the live streak has ended and says so; the paused member is still away.
    second = {u: "\n".join(paras(o.reply)) for u, o in by_week[1].items()}
    assert "Your 3-week streak ended last week with nothing logged." in second["U0LIVE"]
    assert "U0PAUSED" not in by_week[1]
    # Back after the pause (it ended Fri 11 Dec): two paused weeks kept the streak frozen.
    third = {u: "\n".join(paras(o.reply)) for u, o in by_week[2].items()}
    assert "\U0001f525 2-week streak" in third["U0PAUSED"]
    for sent in by_week:
        for user in ("U0QUIET", "U0NOOFFER", "U0NET", "U0LIVE", "U0BROKE"):
            if user in sent:
                assert "Congratulations on the offer" not in card(sent[user].card_id).nudge


def test_progress_can_show_a_frozen_streak_during_a_pause(deps: Any) -> None:
    build(deps)
    paused = member(deps.db, "U0PAUSED")
    state = streaks.member_streak(deps.db, paused.id, MONDAY)
    assert state.frozen and state.weeks == 2 and not state.broken_last_week
    assert progress_line(state).startswith("Streak: 2 weeks, frozen while you are paused")
    broke = streaks.member_streak(deps.db, member(deps.db, "U0BROKE").id, MONDAY)
    assert (broke.weeks, broke.broken_last_week, broke.ended_weeks, broke.frozen) == (0, True, 2, False)
    # Resuming ends the freeze that day.
    at(deps, MONDAY_NY_10AM)
    ok(slack_say(deps, "U0PAUSED", "/cohort resume", tz=NY))
    assert not streaks.member_streak(deps.db, paused.id, MONDAY).frozen


def test_a_pause_resumed_the_day_it_began_freezes_nothing(deps: Any) -> None:
    join(deps, "U0OOPS")
    log(deps, "U0OOPS", "/interview Latham screener 2026-11-10", when="2026-11-10T23:00")
    log(deps, "U0OOPS", "/interview Weil screener 2026-11-17", when="2026-11-17T23:00")
    at(deps, "2026-11-25T15:00")  # Wednesday of a week with no entry
    ok(slack_say(deps, "U0OOPS", "/cohort pause 1w", tz=NY))
    ok(slack_say(deps, "U0OOPS", "/cohort resume", tz=NY))
    state = streaks.member_streak(deps.db, member(deps.db, "U0OOPS").id, MONDAY)
    assert (state.weeks, state.broken_last_week, state.ended_weeks, state.paused_last_week) == (0, True, 2, False)
