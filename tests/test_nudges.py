"""Weekly nudges and follow-ups, with frozen clocks: who is nudged when (their own timezone, across daylight
saving), exactly once per ISO week, never to paused, opted-out or departed members, with a card that fits
their week; thank-you reminders and "did it happen?" check-backs.

The helpers at the top (members made by dispatching Slack commands, a recording notifier, a SlackNotifier on
the fake Slack Web API) are shared with tests/test_delivery.py, test_summary.py and test_jobs_cli.py.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from sqlite_utils import Database

from bot.content import Card, card_by_id, load_cards
from bot.delivery import CheckLater, Deliverer, Report
from bot.nudges import choose_card, iso_week, plan_follow_ups, plan_nudges
from bot.scheduler import sweep
from bot.transports.slack.notify import DISTRIBUTED, EVENT_TYPE, HistoryBusy, SlackNotifier
from commands.dispatch import dispatch
from commands.model import Actor, CommandRequest, Deps, Reply, Where
from storage import ledger, members
from storage.members import Member
from tests.conftest import clock_of, text_of
from tests.fakeslack import Call, FakeSlack

TEAM = "T0FAKE"
NY = "America/New_York"
MONDAY = date(2026, 11, 30)  # ISO week 2026-W49
MONDAY_NY_10AM = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
JOINED = datetime(2026, 10, 5, 15, 0, tzinfo=UTC)  # weeks before: nobody is in their first week


# ---- shared helpers ----------------------------------------------------------------------------------

def card(card_id: str | None) -> Card:
    found = card_by_id(card_id) if card_id else None
    assert found is not None, card_id
    return found


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def slack_say(deps: Deps, user: str, line: str, *, tz: str | None = None, name: str | None = None,
              workspace_admin: bool = False, team: str = TEAM) -> Reply:
    """Run `line` as Slack user `user` through commands.dispatch, at the deps clock's time."""
    command, _, text = line.strip().lstrip("/").partition(" ")
    request = CommandRequest(
        name=command,
        text=text,
        actor=Actor(platform="slack", workspace_id=team, user_id=user, display_name=name or "", tz=tz,
                    is_workspace_admin=workspace_admin),
        where=Where(channel_id="C0COHORT", channel_name="cohort"),
        received_at=deps.clock(),
        source="slack:command",
    )
    return dispatch(request, deps)


def ok(reply: Reply) -> Reply:
    assert reply.ok, text_of(reply)
    return reply


def at(deps: Deps, moment: datetime | str) -> None:
    clock_of(deps).set(moment)


def join(deps: Deps, user: str, tz: str | None = NY, *, when: datetime = JOINED, name: str | None = None) -> Member:
    """A Slack member who joined at `when` (the clock is put back afterwards)."""
    clock = clock_of(deps)
    before = clock.now
    clock.set(when)
    try:
        ok(slack_say(deps, user, "/cohort join", tz=tz, name=name))
    finally:
        clock.set(before)
    return member(deps.db, user)


def log(deps: Deps, user: str, line: str, *, when: datetime | str, tz: str | None = NY) -> int:
    """Log an entry at `when`; returns its short id (seq)."""
    at(deps, when)
    ok(slack_say(deps, user, line, tz=tz))
    return int(deps.db.execute(
        "SELECT a.seq FROM activities a JOIN members m ON m.id = a.member_id WHERE m.user_id = ? "
        "ORDER BY a.id DESC LIMIT 1", [user]).fetchone()[0])


def member(db: Database, user: str, team: str = TEAM) -> Member:
    found = members.find_member_by_platform(db, "slack", team, user)
    assert found is not None, user
    return found


class Recorder:
    """A Notifier that records what it would send (and can pretend some messages already arrived)."""

    platform = "slack"

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.delivered_before: set[str] = set()
        self.lookups: list[str] = []

    async def send(self, out: Any) -> str:
        self.sent.append(out)
        return f"ref:{len(self.sent)}"

    async def find_sent(self, out: Any, since: datetime) -> str | None:
        self.lookups.append(out.key)
        return f"found:{out.key}" if out.key in self.delivered_before else None

    def targets(self) -> list[str]:
        return [o.target for o in self.sent]


def make_deliverer(deps: Deps, notifier: Any, **fields: Any) -> Deliverer:
    """A Deliverer with pacing off unless asked for."""
    fields.setdefault("workspace_rate", 0)
    fields.setdefault("channel_interval", 0)
    return Deliverer(db=deps.db, notifiers={"slack": notifier}, clock=deps.clock, **fields)


def slack_notifier(fake: FakeSlack) -> SlackNotifier:
    client = AsyncWebClient(token="xoxb-test", base_url=fake.url,
                            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=5)])
    return SlackNotifier(client)


def loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def metadata_key(call: Call) -> str:
    meta = loads(call.args["metadata"])
    assert meta["event_type"] == EVENT_TYPE
    return str(loads(meta["event_payload"])["key"])


def posted_text(call: Call) -> str:
    """The words of a chat.postMessage's blocks (headers, sections, context), without mrkdwn stars."""
    lines: list[str] = []
    for block in loads(call.args["blocks"]):
        text = block.get("text")
        if isinstance(text, dict):
            lines.append(str(text.get("text", "")))
        for element in block.get("elements") or []:
            if isinstance(element.get("text"), str):
                lines.append(element["text"])
    return "\n".join(lines).replace("*", "")


def button_values(call: Call) -> list[dict[str, str]]:
    return [json.loads(e["value"]) for b in loads(call.args["blocks"]) if b.get("type") == "actions"
            for e in b["elements"]]


def deliveries(db: Database, kind: str | None = None) -> list[dict[str, Any]]:
    rows = db.query("SELECT * FROM deliveries" + (" WHERE kind = ?" if kind else "") + " ORDER BY id",
                    [kind] if kind else [])
    return [dict(r) for r in rows]


async def nudge_sweep(deps: Deps, deliverer: Deliverer, moment: datetime | str | None = None) -> Report:
    if moment is not None:
        at(deps, moment)
    return await sweep(deps, deliverer, kinds=("nudge",))


@pytest.fixture
async def fake(deps: Deps) -> AsyncIterator[FakeSlack]:
    """The fake Slack Web API; its message timestamps follow the test's frozen clock."""
    async with FakeSlack(clock=lambda: deps.clock().timestamp()) as server:
        yield server


# ---- when: each member's own Monday 9:00 -------------------------------------------------------------

ZONES = {
    "U0TONGA": "Pacific/Tongatapu",  # UTC+13
    "U0AUCK": "Pacific/Auckland",  # UTC+13 in (southern) summer
    "U0TOKYO": "Asia/Tokyo",  # UTC+9
    "U0KOLKATA": "Asia/Kolkata",  # UTC+5:30
    "U0LONDON": "Europe/London",  # UTC+0 in winter
    "U0NY": NY,  # UTC-5 in winter
    "U0LA": "America/Los_Angeles",  # UTC-8 in winter
    "U0HONO": "Pacific/Honolulu",  # UTC-10
}

# (UTC instant of a sweep, members whose nudge first becomes due then)
SWEEPS = [
    ("2026-11-29T19:59", set()),  # Monday 08:59 in Tonga and Auckland: not yet
    ("2026-11-29T20:00", {"U0TONGA", "U0AUCK"}),
    ("2026-11-29T23:59", set()),
    ("2026-11-30T00:00", {"U0TOKYO"}),
    ("2026-11-30T03:29", set()),
    ("2026-11-30T03:30", {"U0KOLKATA"}),
    ("2026-11-30T08:59", set()),
    ("2026-11-30T09:00", {"U0LONDON"}),
    ("2026-11-30T13:59", set()),
    ("2026-11-30T14:00", {"U0NY"}),
    ("2026-11-30T16:59", set()),
    ("2026-11-30T17:00", {"U0LA"}),
    ("2026-11-30T18:59", set()),
    ("2026-11-30T19:00", {"U0HONO"}),
    ("2026-12-01T09:59", set()),  # still Monday in Honolulu, Tuesday everywhere else: nothing new
]


async def test_each_member_is_nudged_from_monday_9am_in_their_own_timezone(deps: Deps) -> None:
    ids = {user: join(deps, user, tz).id for user, tz in ZONES.items()}
    recorder = Recorder()
    deliverer = make_deliverer(deps, recorder)
    for moment, expected in SWEEPS:
        before = len(recorder.sent)
        report = await nudge_sweep(deps, deliverer, utc(moment))
        new = recorder.sent[before:]
        assert {o.target for o in new} == expected, moment
        assert report.sent == len(expected)
        for out in new:
            local = utc(moment).astimezone(ZoneInfo(ZONES[out.target]))
            assert (local.date(), local.hour) >= (MONDAY, 9)
            assert out.key == f"nudge:{ids[out.target]}:2026-W49"
    assert sorted(recorder.targets()) == sorted(ZONES)


@pytest.mark.parametrize(
    ("tz", "monday", "utc_hour"),
    [
        (NY, "2026-10-26", 13),  # still EDT (UTC-4)
        (NY, "2026-11-02", 14),  # EST (UTC-5) since Sunday 1 November
        ("Europe/London", "2026-10-19", 8),  # BST (UTC+1)
        ("Europe/London", "2026-10-26", 9),  # GMT since Sunday 25 October
        ("Europe/London", "2026-03-23", 9),  # GMT
        ("Europe/London", "2026-03-30", 8),  # BST since Sunday 29 March
        ("Pacific/Auckland", "2026-09-21", 21),  # NZST (UTC+12): Sunday 21:00 UTC
        ("Pacific/Auckland", "2026-09-28", 20),  # NZDT (UTC+13) since Sunday 27 September
    ],
)
async def test_the_nudge_follows_local_9am_across_daylight_saving(deps: Deps, tz: str, monday: str,
                                                                  utc_hour: int) -> None:
    join(deps, "U0DST", tz, when=utc("2026-01-05T12:00"))
    day = date.fromisoformat(monday)
    nine_local = datetime(day.year, day.month, day.day, 9, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    assert nine_local.hour == utc_hour  # the table above is right about the offsets
    recorder = Recorder()
    deliverer = make_deliverer(deps, recorder)
    assert (await nudge_sweep(deps, deliverer, nine_local - timedelta(minutes=1))).sent == 0
    assert (await nudge_sweep(deps, deliverer, nine_local)).sent == 1
    assert (await nudge_sweep(deps, deliverer, nine_local + timedelta(hours=1))).sent == 0
    assert recorder.sent[0].key.endswith(iso_week(day))


async def test_a_cohort_nudge_day_and_hour_from_setup_are_used(deps: Deps) -> None:
    join(deps, "U0ADMIN", NY)
    at(deps, "2026-11-27T15:00")
    ok(slack_say(deps, "U0ADMIN", "/cohort setup #jobs thursday 2pm", tz=NY))
    recorder = Recorder()
    deliverer = make_deliverer(deps, recorder)
    assert (await nudge_sweep(deps, deliverer, MONDAY_NY_10AM)).sent == 0
    assert (await nudge_sweep(deps, deliverer, "2026-12-03T18:59")).sent == 0  # Thursday 13:59 in New York
    assert (await nudge_sweep(deps, deliverer, "2026-12-03T19:00")).sent == 1


# ---- exactly once, and only to active members --------------------------------------------------------

async def test_one_nudge_per_active_member_a_second_run_sends_nothing(deps: Deps, fake: FakeSlack) -> None:
    active = ["U0ANN", "U0BEN", "U0CAT", "U0DAN"]
    for user in [*active, "U0PAUSED", "U0OPTOUT", "U0LEFT"]:
        join(deps, user)
    at(deps, "2026-11-27T15:00")  # Friday before
    ok(slack_say(deps, "U0PAUSED", "/cohort pause 2w", tz=NY))
    ok(slack_say(deps, "U0OPTOUT", "/cohort nudges off", tz=NY))
    ok(slack_say(deps, "U0LEFT", "/cohort leave", tz=NY))

    deliverer = make_deliverer(deps, slack_notifier(fake))
    report = await nudge_sweep(deps, deliverer, MONDAY_NY_10AM)
    posts = fake.calls_to("chat.postMessage")
    assert sorted(c.args["channel"] for c in posts) == sorted(active)
    assert report.sent == 4 and report.failed == 0
    assert sorted(metadata_key(c) for c in posts) == sorted(
        f"nudge:{member(deps.db, u).id}:2026-W49" for u in active)
    for user in active:  # each lands in the member's DM, once
        assert len(fake.messages("D" + user[1:])) == 1

    for later in ("2026-11-30T15:00", "2026-11-30T20:00", "2026-12-01T04:59"):  # same Monday in New York
        again = await nudge_sweep(deps, deliverer, later)
        assert again.sent == 0
    assert len(fake.calls_to("chat.postMessage")) == 4
    rows = deliveries(deps.db, "nudge")
    assert len(rows) == 4 and {r["status"] for r in rows} == {"sent"}
    assert all(r["message_ref"].startswith("D") for r in rows)

    # Next week the pause (2 weeks from Friday 27 Nov) is still on; the week after it is over.
    await nudge_sweep(deps, deliverer, "2026-12-07T15:00")
    assert sorted(c.args["channel"] for c in fake.calls_to("chat.postMessage")[4:]) == sorted(active)
    await nudge_sweep(deps, deliverer, "2026-12-14T15:00")
    assert sorted(c.args["channel"] for c in fake.calls_to("chat.postMessage")[8:]) == sorted(
        [*active, "U0PAUSED"])
    assert not [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] in ("U0OPTOUT", "U0LEFT")]


async def test_resume_and_nudges_on_bring_nudges_back(deps: Deps) -> None:
    join(deps, "U0P")
    join(deps, "U0O")
    at(deps, "2026-11-27T15:00")
    ok(slack_say(deps, "U0P", "/cohort pause 3w", tz=NY))
    ok(slack_say(deps, "U0O", "/cohort nudges off", tz=NY))
    recorder = Recorder()
    deliverer = make_deliverer(deps, recorder)
    assert (await nudge_sweep(deps, deliverer, MONDAY_NY_10AM)).sent == 0
    ok(slack_say(deps, "U0P", "/cohort resume", tz=NY))
    ok(slack_say(deps, "U0O", "/cohort nudges on", tz=NY))
    assert (await nudge_sweep(deps, deliverer, MONDAY_NY_10AM + timedelta(minutes=5))).sent == 2
    back = next(o for o in recorder.sent if o.target == "U0P")
    assert "back_from_pause" in card(back.card_id).tags


async def test_a_missed_monday_catches_up_the_same_local_day_and_never_on_tuesday(deps: Deps) -> None:
    join(deps, "U0NYC", NY)
    join(deps, "U0HNL", "Pacific/Honolulu")
    recorder = Recorder()
    deliverer = make_deliverer(deps, recorder)
    # The bot was down from Monday morning until 09:30 UTC on Tuesday: Tuesday 04:30 in New York (missed,
    # not sent late) but still Monday 23:30 in Honolulu (caught up, once).
    report = await nudge_sweep(deps, deliverer, "2026-12-01T09:30")
    assert recorder.targets() == ["U0HNL"] and report.sent == 1
    for moment in ("2026-12-01T09:59", "2026-12-01T15:00", "2026-12-02T15:00", "2026-12-06T15:00"):
        assert (await nudge_sweep(deps, deliverer, moment)).sent == 0
    assert plan_nudges(deps.db, utc("2026-12-01T15:00"), NY) == []
    # The next Monday both are nudged as usual.
    await nudge_sweep(deps, deliverer, "2026-12-07T20:00")
    assert sorted(recorder.targets()[1:]) == ["U0HNL", "U0NYC"]
    keys = [o.key for o in recorder.sent]
    assert keys[1:] and all(k.endswith("2026-W50") for k in keys[1:])


async def test_members_who_joined_after_monday_9am_get_this_weeks_nudge_once(deps: Deps) -> None:
    recorder = Recorder()
    deliverer = make_deliverer(deps, recorder)
    join(deps, "U0EARLY")
    await nudge_sweep(deps, deliverer, MONDAY_NY_10AM)
    join(deps, "U0LATE", when=MONDAY_NY_10AM + timedelta(hours=2))
    await nudge_sweep(deps, deliverer, MONDAY_NY_10AM + timedelta(hours=3))
    await nudge_sweep(deps, deliverer, MONDAY_NY_10AM + timedelta(hours=4))
    assert recorder.targets() == ["U0EARLY", "U0LATE"]


# ---- which card ---------------------------------------------------------------------------------------

def make_situations(deps: Deps) -> dict[str, str]:
    """Members in distinct situations for the week before Monday 30 Nov -> the tag their card must carry."""
    join(deps, "U0QUIET")  # never logged anything
    join(deps, "U0NEW", when=utc("2026-11-26T15:00"))  # joined last Thursday, nothing logged yet
    join(deps, "U0INT")
    log(deps, "U0INT", "/interview Latham callback 2026-11-24", when="2026-11-25T20:00")
    log(deps, "U0INT", "/interview Skadden screener 2026-11-25", when="2026-11-25T20:00")
    join(deps, "U0OFFER")
    log(deps, "U0OFFER", "/interview Cravath callback 2026-11-23", when="2026-11-25T20:00")
    log(deps, "U0OFFER", "/interview Cravath offer 2026-11-25", when="2026-11-25T20:00")
    join(deps, "U0NET")
    log(deps, "U0NET", '/network "Dana Lee" informational 2026-11-24', when="2026-11-25T20:00")
    join(deps, "U0STEADY")
    for day in ("2026-11-10", "2026-11-17", "2026-11-24"):
        log(deps, "U0STEADY", f"/interview Firm{day[-2:]} screener {day}", when="2026-11-25T20:00")
        log(deps, "U0STEADY", f'/network "Pat {day[-2:]}" coffee {day}', when="2026-11-25T20:00")
    return {"U0QUIET": "nothing_logged", "U0NEW": "first_week", "U0INT": "interviews_no_networking",
            "U0OFFER": "has_offer", "U0NET": "networking_no_interviews", "U0STEADY": "streak"}


async def test_the_card_fits_the_members_week(deps: Deps, fake: FakeSlack) -> None:
    expected = make_situations(deps)
    at(deps, MONDAY_NY_10AM)
    planned = {o.target: o for o in plan_nudges(deps.db, MONDAY_NY_10AM, NY)}
    assert sorted(planned) == sorted(expected)
    for user, tag in expected.items():
        chosen = card(planned[user].card_id)
        assert tag in chosen.tags, (user, tag, chosen.id, sorted(chosen.tags))
    # (U0OFFER logged only interviews: the offer, the more important situation, decided the card. U0NEW logged
    # nothing: a quiet-week card, and among those one for a first week; first week breaks ties, never overrides.)
    assert "nothing_logged" in card(planned["U0NEW"].card_id).tags

    deliverer = make_deliverer(deps, slack_notifier(fake))
    report = await nudge_sweep(deps, deliverer)
    assert report.sent == len(expected)
    posts = {c.args["channel"]: c for c in fake.calls_to("chat.postMessage")}
    for user, out in planned.items():
        chosen = card(out.card_id)
        text = posted_text(posts[user])
        assert chosen.title in text and chosen.nudge in text
        values = button_values(posts[user])
        assert {"c": "cohort", "t": f"tip down {chosen.id}"} in values
        assert {"c": "cohort", "t": f"tip up {chosen.id}"} in values
        assert {"c": "cohort", "t": "pause 1w"} in values
        assert {"c": "interview", "t": ""} in values and {"c": "network", "t": ""} in values
    assert "2 interviews and 0 meetings" in posted_text(posts["U0INT"])
    assert "6 points: 2 of your goal of 3" in posted_text(posts["U0INT"])
    assert "nothing logged" in posted_text(posts["U0QUIET"])
    assert "2-week streak" in posted_text(posts["U0STEADY"]) or "3-week streak" in posted_text(posts["U0STEADY"])
    # The card chosen is recorded in the ledger (that is what stops repeats).
    assert {r["target"]: r["card_id"] for r in deliveries(deps.db, "nudge")} == {
        u: o.card_id for u, o in planned.items()}


async def test_when_all_nothing_logged_cards_were_seen_a_hesitant_card_comes_next(deps: Deps) -> None:
    quiet = join(deps, "U0QUIET")
    nothing_cards = [c.id for c in load_cards() if "nothing_logged" in c.tags]
    for i, card_id in enumerate(nothing_cards):  # shown in the last few weeks
        key = f"nudge:{quiet.id}:old-{i}"
        claimed = ledger.claim(deps.db, key=key, kind="nudge", workspace_key=quiet.workspace_key, target="U0QUIET",
                               now=MONDAY_NY_10AM - timedelta(weeks=5, days=-i), lease_seconds=0,
                               member_id=quiet.id, cohort_id=quiet.cohort_id, card_id=card_id)
        assert claimed is not None
        ledger.mark_sent(deps.db, key, MONDAY_NY_10AM - timedelta(weeks=5), "x")
    [out] = plan_nudges(deps.db, MONDAY_NY_10AM, NY)
    chosen = card(out.card_id)
    assert chosen.id not in nothing_cards and "hesitant" in chosen.tags


async def test_no_card_repeats_within_six_weeks(deps: Deps) -> None:
    expected = make_situations(deps)
    recorder = Recorder()
    deliverer = make_deliverer(deps, recorder)
    for week in range(6):
        report = await nudge_sweep(deps, deliverer, MONDAY_NY_10AM + timedelta(weeks=week))
        assert report.sent == len(expected)
    cards: dict[str, list[str]] = {}
    for out in recorder.sent:
        cards.setdefault(out.target, []).append(str(out.card_id))
    assert sorted(cards) == sorted(expected)
    for user, seen in cards.items():
        assert len(seen) == 6 and len(set(seen)) == 6, (user, seen)
    assert len({o.key for o in recorder.sent}) == 6 * len(expected)


def share_of(card_id: str, scores: dict[str, tuple[int, int]], cards: Any, tag: str, n: int = 1500) -> float:
    """How often `card_id` is chosen for a member in situation `tag` (of whom its text is true), over many seeds."""
    facts = card(card_id).requires
    picks = Counter(getattr(choose_card([tag], facts, cards=cards, seen=set(), scores=scores, seed=f"seed-{i}"),
                            "id", None) for i in range(n))
    return picks[card_id] / n


async def test_thumbs_down_makes_a_card_chosen_less(deps: Deps, fake: FakeSlack) -> None:
    for user in ("U0A", "U0B", "U0C"):
        join(deps, user)
    deliverer = make_deliverer(deps, slack_notifier(fake))
    await nudge_sweep(deps, deliverer, MONDAY_NY_10AM)
    # "Press" the 👎 button of a delivered nudge: its value is the command the button runs.
    call = next(c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "U0A")
    down = next(v for v in button_values(call) if v["t"].startswith("tip down "))
    shown = down["t"].split()[-1]
    reply = ok(slack_say(deps, "U0A", f"/{down['c']} {down['t']}", tz=NY))
    assert "less often" in text_of(reply)
    cohort_id = member(deps.db, "U0A").cohort_id
    assert ledger.card_scores(deps.db, cohort_id) == {shown: (0, 1)}
    # Votes are per member (a changed mind replaces the vote); other members add to the count.
    ok(slack_say(deps, "U0B", f"/cohort tip up {shown}", tz=NY))
    ok(slack_say(deps, "U0B", f"/cohort tip down {shown}", tz=NY))
    ok(slack_say(deps, "U0C", f"/cohort tip down {shown}", tz=NY))
    scores = ledger.card_scores(deps.db, cohort_id)
    assert scores == {shown: (0, 3)}

    cards = load_cards()
    tag = next(t for t in ("nothing_logged", "hesitant", "first_week", "general") if t in card(shown).tags)

    before, after = share_of(shown, {}, cards, tag), share_of(shown, scores, cards, tag)
    assert before > 0.05
    assert after < before * 0.4, (before, after)
    # A well-liked card comes up more.
    liked = next(c.id for c in cards if tag in c.tags and c.id != shown)
    liked_before = share_of(liked, {}, cards, tag)
    assert share_of(liked, {liked: (3, 0)}, cards, tag) > liked_before * 1.5


# ---- follow-ups ----------------------------------------------------------------------------------------

async def follow_up_sweep(deps: Deps, deliverer: Deliverer, moment: str) -> Report:
    at(deps, moment)
    return await sweep(deps, deliverer, kinds=("follow_up",))


def points_of(db: Database, seq: int) -> int:
    return int(db.execute("SELECT points FROM activities WHERE seq = ?", [seq]).fetchone()[0])


async def test_a_thank_you_reminder_the_next_morning_and_its_button_adds_a_point(deps: Deps,
                                                                                 fake: FakeSlack) -> None:
    tokyo = "Asia/Tokyo"
    join(deps, "U0TK", tokyo)
    join(deps, "U0OFF", tokyo)
    seq = log(deps, "U0TK", "/interview Nishimura callback", when="2026-12-01T05:00", tz=tokyo)  # Tue 14:00 there
    log(deps, "U0OFF", "/interview Mori screener", when="2026-12-01T05:00", tz=tokyo)
    ok(slack_say(deps, "U0OFF", "/cohort nudges off", tz=tokyo))
    assert points_of(deps.db, seq) == 3
    deliverer = make_deliverer(deps, slack_notifier(fake))
    assert (await follow_up_sweep(deps, deliverer, "2026-12-01T14:00")).sent == 0  # Tue 23:00 in Tokyo
    assert (await follow_up_sweep(deps, deliverer, "2026-12-01T23:59")).sent == 0  # Wed 08:59
    assert (await follow_up_sweep(deps, deliverer, "2026-12-02T00:00")).sent == 1  # Wed 09:00
    assert (await follow_up_sweep(deps, deliverer, "2026-12-02T03:00")).sent == 0
    [post] = fake.calls_to("chat.postMessage")
    assert post.args["channel"] == "U0TK"
    assert "thank-you" in posted_text(post) and "Nishimura" in posted_text(post)
    [button] = button_values(post)
    assert button == {"c": "cohort", "t": f"thanks {seq}"}
    reply = ok(slack_say(deps, "U0TK", f"/{button['c']} {button['t']}", tz=tokyo))
    assert "+1 point" in text_of(reply)
    assert points_of(deps.db, seq) == 4
    ok(slack_say(deps, "U0TK", f"/cohort thanks {seq}", tz=tokyo))  # pressing twice adds nothing
    assert points_of(deps.db, seq) == 4
    assert (await follow_up_sweep(deps, deliverer, "2026-12-03T01:00")).sent == 0
    assert metadata_key(post).startswith("thanks:")


async def test_a_future_entry_gets_did_it_happen_the_day_after_and_scores_once_confirmed(
        deps: Deps, fake: FakeSlack) -> None:
    join(deps, "U0FUT")
    met = log(deps, "U0FUT", '/network "Dana Lee" informational 2026-12-03', when="2026-12-01T15:00")
    gone = log(deps, "U0FUT", "/interview Cravath screener 2026-12-03", when="2026-12-01T15:00")
    assert points_of(deps.db, met) == 0 and points_of(deps.db, gone) == 0
    at(deps, "2026-12-01T15:00")
    refused = slack_say(deps, "U0FUT", f"/cohort happened {met} yes", tz=NY)
    assert not refused.ok and points_of(deps.db, met) == 0  # still upcoming

    deliverer = make_deliverer(deps, slack_notifier(fake))
    assert (await follow_up_sweep(deps, deliverer, "2026-12-03T20:00")).sent == 0  # the day itself
    assert (await follow_up_sweep(deps, deliverer, "2026-12-04T13:59")).sent == 0  # Fri 08:59 in New York
    assert (await follow_up_sweep(deps, deliverer, "2026-12-04T14:00")).sent == 2
    assert (await follow_up_sweep(deps, deliverer, "2026-12-04T20:00")).sent == 0
    posts = fake.calls_to("chat.postMessage")
    assert all(p.args["channel"] == "U0FUT" and "happen" in posted_text(p) for p in posts)
    assert sorted(metadata_key(p) for p in posts) == sorted(
        f"checkback:{r[0]}:2026-12-03" for r in deps.db.execute("SELECT id FROM activities WHERE seq IN (?, ?)",
                                                                [met, gone]))
    values = [v for p in posts for v in button_values(p)]
    for seq in (met, gone):
        for answer in ("yes", "rescheduled", "cancelled"):
            assert {"c": "cohort", "t": f"happened {seq} {answer}"} in values
    assert points_of(deps.db, met) == 0  # not until confirmed

    ok(slack_say(deps, "U0FUT", f"/cohort happened {met} yes", tz=NY))
    assert points_of(deps.db, met) == 3
    ok(slack_say(deps, "U0FUT", f"/cohort happened {gone} cancelled", tz=NY))
    assert points_of(deps.db, gone) == 0
    # Cancelled stays at 0: a rescore of that day (another entry on it) and later weeks change nothing.
    log(deps, "U0FUT", "/interview Davis callback 2026-12-03", when="2026-12-04T21:00")
    assert points_of(deps.db, gone) == 0
    for moment in ("2026-12-05T15:00", "2026-12-08T15:00", "2026-12-14T15:00"):
        report = await follow_up_sweep(deps, deliverer, moment)
        assert report.sent == 0 or all(k.startswith("thanks:") for k in report.keys)
    assert not [p for p in fake.calls_to("chat.postMessage")[2:] if "happen" in posted_text(p)]
    assert points_of(deps.db, gone) == 0


async def test_a_rescheduled_entry_gets_a_new_check_back_after_its_new_date(deps: Deps, fake: FakeSlack) -> None:
    join(deps, "U0RES")
    seq = log(deps, "U0RES", '/network "Dana Lee" informational 2026-12-03', when="2026-12-01T15:00")
    deliverer = make_deliverer(deps, slack_notifier(fake))
    assert (await follow_up_sweep(deps, deliverer, "2026-12-04T14:00")).sent == 1
    [first] = fake.calls_to("chat.postMessage")
    assert {"c": "cohort", "t": f"happened {seq} rescheduled"} in button_values(first)
    reply = ok(slack_say(deps, "U0RES", f"/cohort happened {seq} rescheduled", tz=NY))
    assert f"/cohort edit {seq} date" in text_of(reply)
    ok(slack_say(deps, "U0RES", f"/cohort edit {seq} date 2026-12-10", tz=NY))
    assert points_of(deps.db, seq) == 0
    assert (await follow_up_sweep(deps, deliverer, "2026-12-10T20:00")).sent == 0  # the new day itself
    assert (await follow_up_sweep(deps, deliverer, "2026-12-11T14:00")).sent == 1  # the day after it
    assert (await follow_up_sweep(deps, deliverer, "2026-12-11T18:00")).sent == 0
    second = fake.calls_to("chat.postMessage")[1]
    assert "happen" in posted_text(second) and metadata_key(second) != metadata_key(first)
    ok(slack_say(deps, "U0RES", f"/cohort happened {seq} yes", tz=NY))
    assert points_of(deps.db, seq) == 3


async def test_check_backs_read_naturally_yesterday_without_on_a_date_with_it(deps: Deps) -> None:
    """ "Did your callback at Davis Polk yesterday happen?"; a meeting is with a person, an interview at a firm."""
    join(deps, "U0WORDS")
    log(deps, "U0WORDS", "/interview Davis Polk callback 2026-12-03", when="2026-12-01T15:00")
    log(deps, "U0WORDS", '/network "Dana Lee" coffee 2026-12-02', when="2026-12-01T15:00")
    texts = sorted(text_of(o.reply) for o in plan_follow_ups(deps.db, utc("2026-12-04T14:00"), NY))
    assert texts == [
        "Did your callback at Davis Polk yesterday happen? It counts once you confirm.",
        "Did your coffee with Dana Lee on Wed 2 Dec happen? It counts once you confirm.",
    ]
    later = [text_of(o.reply) for o in plan_follow_ups(deps.db, utc("2026-12-05T14:00"), NY)]
    assert "Did your callback at Davis Polk on Thu 3 Dec happen? It counts once you confirm." in later
    for text in texts + later:
        assert " on yesterday" not in text and " on today" not in text and "callback with" not in text


# ---- a check of a send in doubt refused for now ------------------------------------------------------------

async def test_a_history_check_refused_for_now_is_logged_quietly_and_stays_in_doubt(
        deps: Deps, fake: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    for user in ("U0ANN", "U0BEN"):
        join(deps, user)
    notifier = SlackNotifier(slack_notifier(fake).client, limits=DISTRIBUTED)  # one history call a minute
    deliverer = make_deliverer(deps, notifier, lease_seconds=0)
    fake.fail_next("chat.postMessage", status=500, after_handling=True, times=2)  # both posted, answers lost
    assert (await nudge_sweep(deps, deliverer, MONDAY_NY_10AM)).in_doubt == 2
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.delivery"):
        report = await nudge_sweep(deps, deliverer, MONDAY_NY_10AM + timedelta(minutes=1))
    assert (report.recovered, report.in_doubt, report.sent) == (1, 1, 0)  # the second check waits its turn
    [refused] = [r for r in caplog.records if r.name == "bot.delivery"]
    assert refused.levelno == logging.INFO and refused.exc_info is None
    assert "stays in doubt until the next sweep" in refused.getMessage()
    assert "conversations.history was called in T0FAKE less than 60 s ago" in refused.getMessage()
    assert isinstance(HistoryBusy("x"), CheckLater)
    assert len(fake.calls_to("conversations.history")) == 1 and not fake.calls_to("chat.postMessage")
    assert {r["status"] for r in deliveries(deps.db, "nudge")} == {"sent", "claimed"}
