"""Who gets which message, and when: weekly nudges, follow-ups and the weekly cohort summary.

`plan(db, now, ...)` returns every message due at `now` that the ledger has not recorded as sent, as
platform-neutral `Outgoing` values (a target and a Reply). Sending, pacing and the exactly-once ledger live in
`bot/delivery.py`; this module has no platform code.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.content import ARTICLES, POINT_ARTICLE, Card, load_cards
from commands.context import zone
from commands.model import Actions, Button, Para, Reply, Strong, UserText
from commands.parsing import describe_day, label
from commands.replies import plural
from storage import ledger, members, streaks

CARD_MEMORY = timedelta(weeks=6)
FOLLOW_UP_HOUR = 9
MILESTONES = (3, 5, 10, 15, 20, 26, 52)
TOP_IN_SUMMARY = 5
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Situations in the order they matter most when choosing a card.
PRIORITY = ("back_from_pause", "first_week", "has_offer", "nothing_logged", "hesitant",
            "interviews_no_networking", "networking_no_interviews", "streak", "general")


@dataclass(frozen=True)
class Outgoing:
    key: str  # ledger key: what makes this message unique
    kind: str  # "nudge", "summary", "thanks", "checkback"
    platform: str
    workspace: str  # the platform's workspace id (Slack team, Teams tenant)
    workspace_key: int
    target: str  # a platform user id (a direct message) or a channel id
    reply: Reply
    member_id: int | None = None
    cohort_id: int | None = None
    card_id: str | None = None
    who: str = ""  # for people reading a dry run


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


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

@dataclass(frozen=True)
class _Member:
    id: int
    workspace_key: int
    platform: str
    workspace: str
    cohort_id: int
    user_id: str
    display_name: str
    tz: str | None
    goal: int
    paused_until: str | None
    joined_at: str
    nudge_weekday: int
    nudge_hour: int


def _nudge_candidates(db: Database) -> list[_Member]:
    rows = db.execute(
        """
        SELECT m.id, m.workspace_id, w.platform, w.external_id, m.cohort_id, m.user_id, m.display_name, m.tz,
               m.weekly_goal, m.paused_until, m.joined_at, c.nudge_weekday, c.nudge_hour
        FROM members m JOIN workspaces w ON w.id = m.workspace_id JOIN cohorts c ON c.id = m.cohort_id
        WHERE m.active = 1 AND m.nudges_enabled = 1
        """
    ).fetchall()
    return [_Member(*r) for r in rows]


def _week_stats(db: Database, member_ids: list[int], start: date, end: date) -> dict[int, tuple[int, int, int]]:
    """member id -> (interviews, meetings, points) for entries dated start..end."""
    out: dict[int, tuple[int, int, int]] = {}
    for chunk_start in range(0, len(member_ids), 500):
        chunk = member_ids[chunk_start:chunk_start + 500]
        marks = ",".join("?" * len(chunk))
        for mid, interviews, meetings, points in db.execute(
            f"SELECT member_id, SUM(kind = 'interview'), SUM(kind = 'networking'), SUM(points) FROM activities "
            f"WHERE member_id IN ({marks}) AND happened_on BETWEEN ? AND ? AND deleted_at IS NULL "
            "AND status = 'done' GROUP BY member_id",
            [*chunk, start.isoformat(), end.isoformat()],
        ):
            out[mid] = (int(interviews), int(meetings), int(points))
    return out


def _situation(db: Database, m: _Member, today: date, stats: tuple[int, int, int]) -> tuple[list[str], int]:
    interviews, meetings, _ = stats
    tags: list[str] = []
    joined = datetime.fromisoformat(m.joined_at).date()
    if (today - joined).days <= 7:
        tags.append("first_week")
    back = db.execute(
        "SELECT 1 FROM pauses WHERE member_id = ? AND ends_on BETWEEN ? AND ? LIMIT 1",
        [m.id, (today - timedelta(days=14)).isoformat(), today.isoformat()],
    ).fetchone()
    if back:
        tags.append("back_from_pause")
    offer = db.execute(
        "SELECT 1 FROM activities WHERE member_id = ? AND subtype = 'offer' AND deleted_at IS NULL "
        "AND status = 'done' AND happened_on >= ? LIMIT 1",
        [m.id, (today - timedelta(weeks=6)).isoformat()],
    ).fetchone()
    if offer:
        tags.append("has_offer")
    days = [date.fromisoformat(r[0]) for r in db.execute(
        "SELECT DISTINCT happened_on FROM activities WHERE member_id = ? AND deleted_at IS NULL AND status = 'done' "
        "AND happened_on <= ? ORDER BY happened_on DESC LIMIT 400", [m.id, today.isoformat()])]
    frozen = members.paused_days(db, m.id)
    count, _ = streaks.streak(days, today - timedelta(days=today.weekday() + 1), frozen)
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


def nudge_reply(m: _Member, stats: tuple[int, int, int], streak_weeks: int, card: Card, week_start: date) -> Reply:
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
    due: list[tuple[_Member, date]] = []
    for m in _nudge_candidates(db):
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
    sent = _sent_keys(db, [f"nudge:{m.id}:{iso_week(today)}" for m, today in due])
    due = [(m, t) for m, t in due if f"nudge:{m.id}:{iso_week(t)}" not in sent]
    by_week: dict[date, list[int]] = {}
    for m, today in due:
        by_week.setdefault(monday(today) - timedelta(days=7), []).append(m.id)
    stats: dict[int, tuple[int, int, int]] = {}
    for start, ids in by_week.items():
        stats.update(_week_stats(db, ids, start, start + timedelta(days=6)))
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
                            reply=nudge_reply(m, mine, streak_weeks, card, monday(today) - timedelta(days=7)),
                            member_id=m.id, cohort_id=m.cohort_id, card_id=card.id,
                            who=m.display_name or m.user_id))
    return out


def _sent_keys(db: Database, keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    keys = list(keys)
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        found.update(r[0] for r in db.execute(
            f"SELECT key FROM deliveries WHERE status != 'claimed' AND key IN ({','.join('?' * len(chunk))})",
            chunk))
    return found


# ---- follow-ups --------------------------------------------------------------------------------------

def plan_follow_ups(db: Database, now: datetime, default_tz: str) -> list[Outgoing]:
    """Thank-you reminders the morning after an interview; "did it happen?" the day after a planned entry."""
    horizon = (now - timedelta(days=9)).date().isoformat()
    rows = db.execute(
        """
        SELECT a.id, a.seq, a.kind, a.subtype, a.org, a.happened_on, a.status, a.thanked_at, a.cohort_id,
               m.id, m.user_id, m.display_name, m.tz, w.id, w.platform, w.external_id
        FROM activities a JOIN members m ON m.id = a.member_id JOIN workspaces w ON w.id = a.workspace_id
        WHERE a.deleted_at IS NULL AND a.happened_on >= ? AND m.active = 1 AND m.nudges_enabled = 1
          AND ((a.kind = 'interview' AND a.status = 'done' AND a.thanked_at IS NULL
                AND a.subtype IN ('screener', 'callback', 'clerkship', 'other'))
               OR a.status = 'planned')
        """,
        [horizon],
    ).fetchall()
    out: list[Outgoing] = []
    for (act_id, seq, kind, subtype, org, happened, status, _thanked, cohort_id, member_id, user_id, name, tz,
         ws_key, platform, workspace) in rows:
        local = now.astimezone(zone(tz, default_tz))
        today = local.date()
        day = date.fromisoformat(happened)
        if local.hour < FOLLOW_UP_HOUR:
            continue
        what = label(kind, subtype)
        if status == "done" and timedelta(days=1) <= today - day <= timedelta(days=2):
            reply = Reply(blocks=(
                Para(("How did the ", Strong(f"{what} interview" if what != "interview" else "interview"), " at ",
                      UserText(org), f" go ({describe_day(day, today)})? A short thank-you note today keeps you "
                      "in their mind; mention one thing you talked about.",)),
                Actions((Button("\u2709\ufe0f Sent it", "cohort", f"thanks {seq}", style="primary"),)),
            ))
            out.append(Outgoing(f"thanks:{act_id}", "thanks", platform, workspace, ws_key, user_id, reply,
                                member_id, cohort_id, who=name or user_id))
        elif status == "planned" and timedelta(days=1) <= today - day <= timedelta(days=7):
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
            out.append(Outgoing(f"checkback:{act_id}:{happened}", "checkback", platform, workspace, ws_key, user_id,
                                reply, member_id, cohort_id, who=name or user_id))
    sent = _sent_keys(db, [o.key for o in out])
    return [o for o in out if o.key not in sent]


# ---- weekly cohort summary ---------------------------------------------------------------------------

def _cohort_rows(db: Database) -> list[tuple[Any, ...]]:
    return db.execute(
        "SELECT c.id, c.workspace_id, w.platform, w.external_id, c.summary_channel, c.nudge_weekday, c.nudge_hour, "
        "c.tz FROM cohorts c JOIN workspaces w ON w.id = c.workspace_id WHERE c.summary_channel IS NOT NULL"
    ).fetchall()


def _shown(name: str, user_id: str, privacy: str) -> str | UserText | None:
    if privacy == "hidden":
        return None
    if privacy == "anonymous":
        return "a member"
    return UserText(name or user_id)


def summary_reply(db: Database, cohort_id: int, week_start: date, card: Card) -> Reply:
    end = week_start + timedelta(days=6)
    prev = week_start - timedelta(days=7)

    def totals(start: date, stop: date) -> tuple[int, int, int, int]:
        row = db.execute(
            "SELECT COALESCE(SUM(kind = 'interview'), 0), COALESCE(SUM(kind = 'networking'), 0), "
            "COALESCE(SUM(points), 0), COUNT(DISTINCT member_id) FROM activities WHERE cohort_id = ? "
            "AND happened_on BETWEEN ? AND ? AND deleted_at IS NULL AND status = 'done'",
            [cohort_id, start.isoformat(), stop.isoformat()],
        ).fetchone()
        return int(row[0]), int(row[1]), int(row[2]), int(row[3])

    interviews, meetings, points, active = totals(week_start, end)
    p_interviews, p_meetings, _, _ = totals(prev, prev + timedelta(days=6))

    def change(now_n: int, before: int) -> str:
        diff = now_n - before
        return "same as the week before" if diff == 0 else f"{'+' if diff > 0 else ''}{diff} on the week before"

    blocks: list[Para] = [
        Para((f"Cohort week in review: {week_start:%a} {week_start.day} {week_start:%b} to {end:%a} {end.day} "
              f"{end:%b}",), style="heading"),
        Para((Strong(plural(interviews, "interview")), f" ({change(interviews, p_interviews)}) and ",
              Strong(plural(meetings, "networking meeting")), f" ({change(meetings, p_meetings)}), "
              f"{plural(points, 'point')} from {plural(active, 'member')}.")),
    ]
    board = db.execute(
        """
        SELECT m.display_name, m.user_id, m.privacy, SUM(a.points) AS pts, SUM(a.kind = 'interview'),
               SUM(a.kind = 'networking')
        FROM activities a JOIN members m ON m.id = a.member_id
        WHERE a.cohort_id = ? AND a.happened_on BETWEEN ? AND ? AND a.deleted_at IS NULL AND a.status = 'done'
          AND m.active = 1 AND m.privacy != 'hidden'
        GROUP BY a.member_id HAVING pts > 0 ORDER BY pts DESC, m.id LIMIT ?
        """,
        [cohort_id, week_start.isoformat(), end.isoformat(), TOP_IN_SUMMARY],
    ).fetchall()
    if board:
        blocks.append(Para(("Top of the board",), style="heading"))
        rank, last = 0, None
        for i, (name, user_id, privacy, pts, n_int, n_meet) in enumerate(board):
            rank = rank if pts == last else i + 1
            last = pts
            shown = _shown(name, user_id, privacy) or "a member"
            blocks.append(Para((f"{rank}. ", shown, f" \u2014 {plural(int(pts), 'point')} "
                                f"({plural(int(n_int), 'interview')}, {plural(int(n_meet), 'meeting')})",)))
    offers = db.execute(
        "SELECT m.display_name, m.user_id, m.privacy FROM activities a JOIN members m ON m.id = a.member_id "
        "WHERE a.cohort_id = ? AND a.subtype = 'offer' AND a.happened_on BETWEEN ? AND ? AND a.deleted_at IS NULL "
        "AND a.status = 'done' AND m.active = 1",
        [cohort_id, week_start.isoformat(), end.isoformat()],
    ).fetchall()
    shown_offers = [s for s in (_shown(*o) for o in offers) if s is not None]
    if shown_offers:
        spans: list[str | UserText | Strong] = ["\U0001f389 Offers this week: "]
        for i, who in enumerate(shown_offers):
            spans += [", " if i else "", who]
        spans.append(". Congratulations!")
        blocks.append(Para(tuple(spans)))
    milestones: list[str | UserText] = []
    for member_id, name, user_id, privacy in db.execute(
        "SELECT DISTINCT m.id, m.display_name, m.user_id, m.privacy FROM activities a JOIN members m "
        "ON m.id = a.member_id WHERE a.cohort_id = ? AND a.happened_on BETWEEN ? AND ? AND a.deleted_at IS NULL "
        "AND a.status = 'done' AND m.active = 1", [cohort_id, week_start.isoformat(), end.isoformat()]
    ).fetchall():
        days = [date.fromisoformat(r[0]) for r in db.execute(
            "SELECT DISTINCT happened_on FROM activities WHERE member_id = ? AND deleted_at IS NULL "
            "AND status = 'done' AND happened_on <= ?", [member_id, end.isoformat()])]
        frozen = members.paused_days(db, member_id)
        weeks, _ = streaks.streak(days, end, frozen)
        person = _shown(name, user_id, privacy)
        if weeks in MILESTONES and person is not None:
            milestones += [", " if milestones else "", person, f" ({weeks} weeks)"]
    if milestones:
        blocks.append(Para(("\U0001f525 Streak milestones: ", *milestones, ".")))
    if not interviews and not meetings:
        blocks.append(Para(("A quiet week. One interview or one coffee this week gets the board moving again.",)))
    blocks.extend(card_blocks(card))
    return Reply(blocks=tuple(blocks), private=False)


def plan_summaries(db: Database, now: datetime, default_tz: str, cards: Sequence[Card] | None = None) -> list[Outgoing]:
    cards = cards or load_cards()
    out: list[Outgoing] = []
    for cohort_id, ws_key, platform, workspace, channel, weekday, hour, tz in _cohort_rows(db):
        local = now.astimezone(zone(tz, default_tz))
        today = local.date()
        if today.weekday() != weekday or local.hour < hour:
            continue
        key = f"summary:{cohort_id}:{iso_week(today)}"
        if ledger.status(db, key) in ("sent", "skipped"):
            continue
        card = choose_card(["general"], cards=cards,
                           seen=ledger.recent_summary_cards(db, cohort_id, now - CARD_MEMORY),
                           scores=ledger.card_scores(db, cohort_id), seed=key)
        reply = summary_reply(db, cohort_id, monday(today) - timedelta(days=7), card)
        out.append(Outgoing(key, "summary", platform, workspace, ws_key, channel, reply, None, cohort_id, card.id,
                            who=f"#{channel}"))
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
