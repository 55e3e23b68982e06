"""Who gets which message, and when: weekly nudges, follow-ups and the weekly cohort summary.

`plan(db, now, ...)` returns every message due at `now` that the ledger has not recorded as sent, as
platform-neutral `Outgoing` values (a target and a Reply); `plan_steps` gives the same messages a page of members
at a time, for the sweep, which sends each batch before planning the next (bot/scheduler.py). Sending, pacing
and the exactly-once ledger live in `bot/delivery.py`; this module has no platform code. What is true of a member
this week (facts) and which card suits them is worked out in `bot/situations.py`; the streak comes from
`storage/streaks.py`, the same state /progress shows, and is named only while it is alive.

Only members taking part are nudged (a coordinator who has not logged or joined is not: members.role). A cohort-wide
pause (storage/cohorts.py) stops its nudges and its summary; the coordinators' weekly message (bot/coordinator.py)
is planned with the nudges and still comes during a pause.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from bot.content import ARTICLES, POINT_ARTICLE, Card, load_cards
from bot.coordinator import coordinator_steps
from bot.outgoing import Outgoing
from bot.situations import PRIORITY, RECENT, Situation, choose_card, iso_week, last_week_of, situations
from commands.context import zone
from commands.model import Actions, Button, Inline, Para, Reply, Strong, UserText
from commands.parsing import describe_day, label
from commands.replies import plural
from storage import board, cohorts, digest, ledger, streaks
from storage.clock import week_start
from storage.digest import FollowUpCandidate, NudgeCandidate
from storage.streaks import StreakState

__all__ = ["PAGE", "PRIORITY", "SCAN", "choose_card", "iso_week", "nudge_line", "plan", "plan_follow_ups",
           "plan_nudges", "plan_steps", "plan_summaries"]

CARD_MEMORY = timedelta(weeks=6)
FOLLOW_UP_HOUR = 9
MILESTONES = (3, 5, 10, 15, 20, 26, 52)
TOP_IN_SUMMARY = 5
# Due members planned per step: a few statements for the whole page and about 0.1 ms of Python per member, ~5 ms
# a step, so a sweep (bot/scheduler.py) never holds the event loop for long.
PAGE = 50
SCAN = 500  # members read per step while looking for who is due (about 1 ms when nobody is)
STREAK_PAGE = 500  # members whose streaks a summary step reads (about 15 ms)
FOLLOW_UP_MEMBERS = 100  # members whose recent entries are read at once (an active member has a few a week)


# ---- cards -------------------------------------------------------------------------------------------

def card_blocks(card: Card | None) -> list[Para]:
    if card is None:
        return []
    return [
        Para(("\U0001f4a1 ", Strong(card.title))),
        Para((card.nudge,)),
        Para((f"From \u201c{ARTICLES[POINT_ARTICLE[card.point]]}\u201d",), style="muted"),
    ]


# ---- weekly nudges -----------------------------------------------------------------------------------

def nudge_line(state: StreakState) -> str | None:
    """What the nudge says about the streak, or None. A streak is named only while it is alive: one that ended
    when last week closed empty (and unpaused) is said to have ended, never promised."""
    if state.weeks >= 2:
        if state.counts_this_week:
            return f"\U0001f525 {state.weeks}-week streak, this week included. Keep it going."
        if state.paused_this_week:
            return f"\U0001f525 {state.weeks}-week streak, kept safe this week by your pause."
        return f"\U0001f525 {state.weeks}-week streak. Log one entry this week to keep it."
    if state.broken_last_week and state.ended_weeks >= 2:
        if state.counts_this_week:
            return f"Your {state.ended_weeks}-week streak ended last week; this week's entry has started a new one."
        return (f"Your {state.ended_weeks}-week streak ended last week with nothing logged. One entry this week "
                "starts a new one.")
    return None


def numbers_line(m: NudgeCandidate, s: Situation, week_start: date) -> str:
    interviews, meetings, points = s.last_week
    done = interviews + meetings
    if done:
        return (f"Last week (from {week_start:%a} {week_start.day} {week_start:%b}): "
                f"{plural(interviews, 'interview')} and {plural(meetings, 'meeting')}, "
                f"{plural(points, 'point')}: {done} of your goal of {m.goal}."
                + (" Goal met! \U0001f389" if done >= m.goal else ""))
    if "recent_rejection" in s.facts:  # a rejection is logged, but it is an outcome: it adds no interview
        return ("Last week: no interviews or meetings to count. A recent no is part of every search; one small "
                "step this week is plenty.")
    if s.streak.paused_last_week:
        return "Last week you were on a pause: nothing logged, and your streak stayed frozen."
    if "first_week" in s.facts:
        return "Welcome to the cohort: nothing logged yet, and one small step this week is plenty."
    return "Last week was quiet: nothing logged. One small step this week is plenty."


def nudge_reply(m: NudgeCandidate, s: Situation, card: Card | None, week_start: date) -> Reply:
    blocks: list[Para | Actions] = [
        Para(("Your week ahead",), style="heading"),
        Para((numbers_line(m, s, week_start),)),
    ]
    streak_text = nudge_line(s.streak)
    if streak_text:
        blocks.append(Para((streak_text,)))
    blocks.extend(card_blocks(card))
    blocks.append(Actions((
        Button("Log an interview", "interview", "", style="primary"),
        Button("Log a meeting", "network", ""),
        Button("Pause a week", "cohort", "pause 1w"),
    )))
    if card is not None:
        blocks.append(Actions((
            Button("\U0001f44d Helpful", "cohort", f"tip up {card.id}"),
            Button("\U0001f44e Not for me", "cohort", f"tip down {card.id}"),
        )))
    return Reply(blocks=tuple(blocks), private=True)


Paused = dict[tuple[int, date], bool]  # (cohort id, day) -> whether a cohort-wide pause covers that day


def cohort_paused(db: Database, paused: Paused, cohort_id: int, day: date) -> bool:
    """`cohorts.cohort_paused_on`, asked once per cohort and day in a sweep (`paused` remembers the answers)."""
    if (cohort_id, day) not in paused:
        paused[cohort_id, day] = cohorts.cohort_paused_on(db, cohort_id, day)
    return paused[cohort_id, day]


def _due(db: Database, page: Sequence[NudgeCandidate], now: datetime, default_tz: str, paused: Paused
         ) -> list[tuple[NudgeCandidate, date]]:
    """The members of `page` whose nudge day and hour have come (in their own timezone), not paused (neither they
    nor their whole cohort), not yet sent."""
    due: list[tuple[NudgeCandidate, date]] = []
    for m in page:
        local = now.astimezone(zone(m.tz, default_tz))
        today = local.date()
        if m.paused_until and date.fromisoformat(m.paused_until) > today:
            continue
        # Only on the nudge day itself: a run missed while the bot was down catches up that day, never later.
        if today.weekday() != m.nudge_weekday or local.hour < m.nudge_hour:
            continue
        if cohort_paused(db, paused, m.cohort_id, today):
            continue
        due.append((m, today))
    if not due:
        return []
    sent = ledger.settled(db, [f"nudge:{m.id}:{iso_week(today)}" for m, today in due])
    return [(m, t) for m, t in due if f"nudge:{m.id}:{iso_week(t)}" not in sent]


Sums = dict[tuple[int, date], tuple[int, int, int]]


def _sums(db: Database, due: list[tuple[NudgeCandidate, date]], span: str) -> Sums:
    """(member id, their today) -> (interviews, meetings, points) over last week or the RECENT weeks, in batches."""
    groups: dict[tuple[date, date], list[tuple[int, date]]] = {}
    for m, today in due:
        window = last_week_of(today) if span == "last_week" else (today - RECENT, today)
        groups.setdefault(window, []).append((m.id, today))
    out: dict[tuple[int, date], tuple[int, int, int]] = {}
    for (start, end), members in groups.items():
        found = digest.week_stats(db, [mid for mid, _ in members], start, end)
        out.update({(mid, today): found.get(mid, (0, 0, 0)) for mid, today in members})
    return out


def _nudge_page(db: Database, now: datetime, due: list[tuple[NudgeCandidate, date]], cards: Sequence[Card],
                scores_by_cohort: dict[int, dict[str, tuple[int, int]]]) -> list[Outgoing]:
    """The nudges of one page of due members: a few statements for the whole page (situations.situations)."""
    if not due:
        return []
    found = situations(db, due, _sums(db, due, "last_week"), _sums(db, due, "recent"))
    seen = digest.recent_cards_of(db, [m.id for m, _ in due], now - CARD_MEMORY)
    out: list[Outgoing] = []
    for (m, today), s in zip(due, found, strict=True):
        key = f"nudge:{m.id}:{iso_week(today)}"
        if m.cohort_id not in scores_by_cohort:
            scores_by_cohort[m.cohort_id] = ledger.card_scores(db, m.cohort_id)
        card = choose_card(s.tags, s.facts, cards=cards, seen=seen.get(m.id, set()),
                           scores=scores_by_cohort[m.cohort_id], seed=key)
        out.append(Outgoing(key=key, kind="nudge", platform=m.platform, workspace=m.workspace,
                            workspace_key=m.workspace_key, target=m.user_id,
                            reply=nudge_reply(m, s, card, last_week_of(today)[0]),
                            member_id=m.id, cohort_id=m.cohort_id, card_id=card.id if card else None,
                            who=m.display_name or m.user_id))
    return out


def nudge_steps(db: Database, now: datetime, default_tz: str, cards: Sequence[Card] | None = None, *,
                page: int = PAGE, scan: int = SCAN) -> Iterator[list[Outgoing]]:
    """The weekly nudges due at `now`: members are read `scan` at a time (in id order) and those due planned
    `page` at a time, one step each; a step that finds nobody due returns nothing."""
    cards = cards or load_cards()
    scores_by_cohort: dict[int, dict[str, tuple[int, int]]] = {}
    paused: Paused = {}
    after = 0
    while candidates := digest.nudge_candidates_after(db, after, scan):
        after = candidates[-1].id
        due = _due(db, candidates, now, default_tz, paused)
        if not due:
            yield []
        for i in range(0, len(due), page):
            yield _nudge_page(db, now, due[i:i + page], cards, scores_by_cohort)


def plan_nudges(db: Database, now: datetime, default_tz: str, cards: Sequence[Card] | None = None) -> list[Outgoing]:
    return [out for step in nudge_steps(db, now, default_tz, cards) for out in step]


# ---- follow-ups --------------------------------------------------------------------------------------

def when(day: date, today: date) -> str:
    """A day as it follows a verb: "yesterday", "today", "on Tue 24 Nov" (never "on yesterday")."""
    text = describe_day(day, today)
    return text if text in ("today", "yesterday", "tomorrow") else f"on {text}"


def where_with(kind: str, subtype: str, org: str) -> tuple[Inline, ...]:
    """A meeting is with a person, an interview at a firm, an outcome from one: "coffee with Dana Lee",
    "callback at Cravath", "offer from Cravath" (as commands/logs.py says them); never "callback with Cravath"."""
    if kind == "networking":
        return (" with ", UserText(org))
    return (" from " if subtype in ("offer", "rejection") else " at ", UserText(org))


def _follow_ups(db: Database, now: datetime, default_tz: str, candidates: Iterable[FollowUpCandidate]
                ) -> list[Outgoing]:
    out: list[Outgoing] = []
    for c in candidates:
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
                Para(("Did your ", Strong(what), *where_with(kind, subtype, org),
                      f" {when(day, today)} happen? It counts once you confirm.",)),
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


def follow_up_steps(db: Database, now: datetime, default_tz: str, *, members: int = FOLLOW_UP_MEMBERS,
                    scan: int = SCAN) -> Iterator[list[Outgoing]]:
    """Thank-you reminders the morning after an interview; "did it happen?" the day after a planned entry: the
    recent entries of `members` members at a time (through the entries' member index), at most `scan` of them
    turned into messages per step (~30 µs each when due). Reading a page's entries is one statement, so a page of
    members with thousands of entries in nine days makes a longer step (50 with 100 each: ~30 ms)."""
    since = (now - timedelta(days=9)).date()
    after = 0
    while page := digest.member_ids_after(db, after, members):
        after = page[-1]
        candidates = digest.follow_up_candidates_of(db, since, page)
        if not candidates:
            yield []
        for i in range(0, len(candidates), scan):
            yield _follow_ups(db, now, default_tz, candidates[i:i + scan])


def plan_follow_ups(db: Database, now: datetime, default_tz: str) -> list[Outgoing]:
    """Every follow-up due at `now` and not yet sent (`follow_up_steps` all at once)."""
    return [out for step in follow_up_steps(db, now, default_tz) for out in step]


# ---- weekly cohort summary ---------------------------------------------------------------------------

def _shown(name: str, user_id: str, privacy: str) -> str | UserText | None:
    if privacy == "hidden":
        return None
    if privacy == "anonymous":
        return "a member"
    return UserText(name or user_id)


def summary_reply(db: Database, cohort_id: int, week_start: date, card: Card | None) -> Reply:
    """The channel's review of the week starting `week_start`, against the week before it; after a cohort-wide
    pause, against the last week with no paused day (a frozen week is no fair comparison)."""
    for part in summary_parts(db, cohort_id, week_start, card):
        if part is not None:
            return part
    raise AssertionError("summary_parts ends with the reply")


def summary_parts(db: Database, cohort_id: int, week_start: date, card: Card | None) -> Iterator[Reply | None]:
    """`summary_reply` in steps: None after each page of members' streaks (a cohort of thousands would otherwise
    hold the event loop), then the reply."""
    end = week_start + timedelta(days=6)
    prev = cohorts.last_active_week_before(db, cohort_id, week_start) or week_start - timedelta(days=7)
    against = "the week before" if prev == week_start - timedelta(days=7) else "the last active week"
    week = board.board(db, cohort_id, week_start, end)  # every member with an entry that week, highest first
    this, before = board.totals(week), board.totals(board.board(db, cohort_id, prev, prev + timedelta(days=6)))

    def change(now_n: int, was: int) -> str:
        diff = now_n - was
        return f"same as {against}" if diff == 0 else f"{'+' if diff > 0 else ''}{diff} on {against}"

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
    streak_of: dict[int, streaks.StreakState] = {}
    yield None  # the boards are read; the streaks come a page at a time
    for i in range(0, len(listed), STREAK_PAGE):
        streak_of.update(streaks.member_streaks(db, {row.member_id: end for row in listed[i:i + STREAK_PAGE]}))
        yield None
    for row in listed:
        weeks = streak_of[row.member_id].weeks
        person = _shown(row.display_name, row.user_id, row.privacy)
        if weeks in MILESTONES and person is not None:
            milestones += [", " if milestones else "", person, f" ({weeks} weeks)"]
    if milestones:
        blocks.append(Para(("\U0001f525 Streak milestones: ", *milestones, ".")))
    if not this.interviews and not this.meetings:
        blocks.append(Para(("A quiet week. One interview or one coffee this week gets the board moving again.",)))
    blocks.extend(card_blocks(card))
    yield Reply(blocks=tuple(blocks), private=False)


def summary_steps(db: Database, now: datetime, default_tz: str, cards: Sequence[Card] | None = None
                  ) -> Iterator[list[Outgoing]]:
    """The weekly summaries due at `now`, one cohort per step."""
    cards = cards or load_cards()
    for c in digest.summary_cohorts(db):
        local = now.astimezone(zone(c.tz, default_tz))
        today = local.date()
        key = f"summary:{c.id}:{iso_week(today)}"
        if (today.weekday() != c.nudge_weekday or local.hour < c.nudge_hour or ledger.settled(db, [key])
                or cohorts.cohort_paused_on(db, c.id, today)):  # a paused cohort gets no summary
            yield []
            continue
        # A channel's card must be true of everyone in it: only cards with no requirements (facts None).
        card = choose_card(["general"], None, cards=cards,
                           seen=ledger.recent_summary_cards(db, c.id, now - CARD_MEMORY),
                           scores=ledger.card_scores(db, c.id), seed=key)
        reply: Reply | None = None
        for part in summary_parts(db, c.id, week_start(today) - timedelta(days=7), card):
            if part is None:
                yield []  # a page of streaks read: let commands in
            reply = part
        assert reply is not None
        yield [Outgoing(key, "summary", c.platform, c.workspace, c.workspace_key, c.channel, reply, None, c.id,
                        card.id if card else None, who=f"#{c.channel}")]


def plan_summaries(db: Database, now: datetime, default_tz: str, cards: Sequence[Card] | None = None) -> list[Outgoing]:
    return [out for step in summary_steps(db, now, default_tz, cards) for out in step]


def plan_steps(db: Database, now: datetime, default_tz: str, *,
               kinds: Iterable[str] = ("nudge", "follow_up", "summary"), page: int = PAGE, scan: int = SCAN
               ) -> Iterator[list[Outgoing]]:
    """Everything due at `now` and not yet sent, a small step at a time: a step plans at most `page` due members'
    nudges, or one cohort's coordinator messages (bot/coordinator.py, planned whenever nudges are), or reads `scan`
    members' follow-ups, or one cohort's summary, and returns what it found (often nothing). Little is held between
    steps (the position, and at most `scan` due members), so a caller may send what a step found, and await, before
    the next one (bot/scheduler.sweep does: no step holds the event loop long, and memory stays bounded). Each
    message is checked against the ledger as it stands when its members are read; the ledger's claim still decides
    at the send."""
    kinds = set(kinds)
    if "nudge" in kinds:
        yield from nudge_steps(db, now, default_tz, page=page, scan=scan)
    if "nudge" in kinds or "coordinator" in kinds:  # the coordinators' weekly message goes with the nudges
        yield from coordinator_steps(db, now, default_tz, scan=scan)
    if "follow_up" in kinds:
        yield from follow_up_steps(db, now, default_tz, scan=scan)
    if "summary" in kinds:
        yield from summary_steps(db, now, default_tz)


def plan(db: Database, now: datetime, default_tz: str, *, kinds: Iterable[str] = ("nudge", "follow_up", "summary")
         ) -> list[Outgoing]:
    """Everything due at `now` and not yet sent, all at once (dry runs and tests; the sweep uses plan_steps)."""
    return [out for step in plan_steps(db, now, default_tz, kinds=kinds) for out in step]
