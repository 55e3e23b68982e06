"""A big weekly fan-out inside the server: the sweep plans in small steps and gives the event loop back between
them, hands the deliverer bounded batches, and still sends every message exactly once, across batches and across
a crash in the middle. The page-at-a-time questions give the same answers as the member-at-a-time ones.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import pytest

import bot.scheduler
from bot.delivery import Deliverer, Report
from bot.nudges import PAGE, plan, plan_steps
from bot.outgoing import Outgoing
from bot.scheduler import sweep
from bot.situations import OFFER_MEMORY, PAUSE_MEMORY, last_week_of, situation, situations
from commands.model import Deps
from storage import digest, ledger, members, streaks, transaction
from storage.members import ScoringRules
from tests.test_nudges import JOINED, MONDAY_NY_10AM, NY, TEAM, Recorder, at, deliveries, make_deliverer
from tests.test_truthful_nudges import build

WEEK = timedelta(days=7)


def seed(deps: Deps, n: int) -> list[str]:
    """n Slack members of one cohort, joined weeks before MONDAY_NY_10AM, in New York: all due then."""
    users = [f"U{i:07d}" for i in range(n)]
    with transaction(deps.db):
        for user in users:
            members.ensure_member(deps.db, platform="slack", workspace=TEAM, user_id=user, display_name=user, tz=NY,
                                  now=JOINED, rules=ScoringRules(), weekly_goal=3)
    at(deps, MONDAY_NY_10AM)
    return users


class Yielding(Recorder):
    """A notifier whose sends give the event loop a turn, as a real network send does."""

    async def send(self, out: Any) -> str:
        ref = await Recorder.send(self, out)
        await asyncio.sleep(0)
        return ref


class Batches(Deliverer):
    """Records the size of every batch it is handed."""

    sizes: list[int]

    async def deliver(self, planned: Sequence[Outgoing]) -> Report:
        self.sizes.append(len(planned))
        return await super().deliver(planned)


def batches(deps: Deps, notifier: Any) -> Batches:
    deliverer = Batches(db=deps.db, notifiers={"slack": notifier}, clock=deps.clock, workspace_rate=0,
                        channel_interval=0)
    deliverer.sizes = []
    return deliverer


async def test_the_sweep_gives_the_event_loop_back_between_planning_steps(deps: Deps,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    n = 3000
    seed(deps, n)
    events: list[str] = []
    steps = 0

    def counted(*args: Any, **kwargs: Any) -> Iterator[list[Outgoing]]:
        nonlocal steps
        for step in plan_steps(*args, **kwargs):
            steps += 1
            events.append("step")
            yield step

    monkeypatch.setattr(bot.scheduler, "plan_steps", counted)
    done = False

    async def ticker() -> None:  # another task on the loop, as a slash command would be
        while not done:
            events.append("tick")
            await asyncio.sleep(0)

    ticking = asyncio.create_task(ticker())
    try:
        report = await sweep(deps, make_deliverer(deps, Yielding()), kinds=("nudge",))
    finally:
        done = True
        await ticking
    assert report.sent == n
    assert steps >= n // PAGE  # small steps: at most PAGE members planned in each
    planning = [i for i, e in enumerate(events) if e == "step"]
    # Between any two planning steps the other task ran at least once: planning never kept the loop.
    assert all("tick" in events[a + 1:b] for a, b in zip(planning, planning[1:], strict=False))


async def test_the_deliverer_never_gets_more_than_a_batch_and_little_is_planned_ahead(
        deps: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    users = seed(deps, 1000)
    recorder = Yielding()
    deliverer = batches(deps, recorder)
    planned = 0
    ahead: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Iterator[list[Outgoing]]:
        nonlocal planned
        for step in plan_steps(*args, **kwargs):
            planned += len(step)
            ahead.append(planned - len(recorder.sent))  # planned and not yet sent
            yield step

    monkeypatch.setattr(bot.scheduler, "plan_steps", counted)
    report = await sweep(deps, deliverer, kinds=("nudge",), batch=100, page=30, scan=70)
    assert report.sent == 1000 and sum(deliverer.sizes) == 1000
    assert max(deliverer.sizes) <= 100 and len(deliverer.sizes) == 10
    assert max(ahead) <= 100 + 30  # one batch plus one step, whatever the number due
    assert sorted(recorder.targets()) == users  # each member once
    assert (await sweep(deps, deliverer, kinds=("nudge",), batch=100)).sent == 0


async def test_exactly_once_across_batches_and_a_crash_in_the_middle(deps: Deps) -> None:
    """The sweep is cancelled (the process dies) during its third batch, with sends in flight; the next sweep
    checks the claims left in doubt, sends only what never arrived, and nothing arrives twice."""
    users = seed(deps, 600)
    delivered: list[str] = []  # every message that reached the "platform", in order

    class Platform(Yielding):
        async def send(self, out: Any) -> str:
            delivered.append(out.key)
            if len(delivered) == 250:
                crash.set()
            await asyncio.sleep(0)
            return f"ref:{out.key}"

        async def find_sent(self, out: Any, since: Any) -> str | None:
            self.lookups.append(out.key)
            return f"ref:{out.key}" if out.key in delivered else None

    crash = asyncio.Event()
    first = batches(deps, Platform())
    running = asyncio.create_task(sweep(deps, first, kinds=("nudge",), batch=100))
    await crash.wait()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert first.sizes == [100, 100, 100] and 250 <= len(delivered) < 300
    open_claims = [r for r in deliveries(deps.db, "nudge") if r["status"] == "claimed"]
    assert open_claims  # sends were in flight when it died

    arrived = set(delivered)
    assert all(r["key"] in arrived for r in open_claims)  # a claim is taken only just before its send
    at(deps, MONDAY_NY_10AM + timedelta(minutes=5))
    report = await sweep(deps, make_deliverer(deps, Platform(), lease_seconds=0), kinds=("nudge",), batch=100)
    assert report.recovered == len(open_claims)  # found on the platform, not sent again
    assert report.sent == 600 - len(arrived)
    counts = Counter(delivered)
    assert max(counts.values()) == 1  # nothing arrived twice
    assert set(counts) == {f"nudge:{m.id}:2026-W49" for m in digest.nudge_candidates(deps.db)}
    assert len(counts) == len(users) == 600
    assert {r["status"] for r in deliveries(deps.db, "nudge")} == {"sent"}
    assert (await sweep(deps, make_deliverer(deps, Platform()), kinds=("nudge",))).sent == 0


# ---- the page-at-a-time questions agree with the member-at-a-time ones ---------------------------------

async def test_page_questions_answer_as_the_single_member_ones(deps: Deps) -> None:
    build(deps)  # members in every situation: streaks live and broken, pauses, offers, rejections, first week
    for week in range(4):
        now = MONDAY_NY_10AM + week * WEEK
        today = now.date()
        due = [(m, today) for m in digest.nudge_candidates(deps.db)]
        ids = [m.id for m, _ in due]
        assert streaks.member_streaks(deps.db, dict.fromkeys(ids, today)) == {
            mid: streaks.member_streak(deps.db, mid, today) for mid in ids}
        start = last_week_of(today)[0] - WEEK
        assert digest.pauses_ended_between(deps.db, {mid: (today - PAUSE_MEMORY, today) for mid in ids}) == {
            mid for mid in ids if digest.pause_ended_between(deps.db, mid, today - PAUSE_MEMORY, today)}
        assert digest.offers_since(deps.db, {mid: today - OFFER_MEMORY for mid in ids}) == {
            mid for mid in ids if digest.offer_since(deps.db, mid, today - OFFER_MEMORY)}
        assert digest.rejections_between(deps.db, {mid: (start, today) for mid in ids}) == {
            mid for mid in ids if digest.rejection_between(deps.db, mid, start, today)}
        assert digest.recent_cards_of(deps.db, ids, now - timedelta(weeks=6)) == {
            mid: cards for mid in ids if (cards := ledger.recent_cards(deps.db, mid, now - timedelta(weeks=6)))}
        sums = {(mid, today): digest.week_stats(deps.db, [mid], *last_week_of(today)).get(mid, (0, 0, 0))
                for mid in ids}
        recent = {(mid, today): digest.week_stats(deps.db, [mid], today - timedelta(weeks=6), today).get(
            mid, (0, 0, 0)) for mid in ids}
        assert situations(deps.db, due, sums, recent) == [
            situation(deps.db, m, today, sums[m.id, today], recent[m.id, today]) for m, today in due]
        at(deps, now)
        await bot.scheduler.sweep(deps, make_deliverer(deps, Recorder()), kinds=("nudge",))  # cards seen


def test_plan_is_every_step_in_order_and_follow_ups_are_read_a_page_at_a_time(deps: Deps) -> None:
    build(deps)
    now = MONDAY_NY_10AM + timedelta(days=1)
    since = (now - timedelta(days=9)).date()
    everyone = digest.member_ids_after(deps.db, 0, 10_000)
    assert sorted(c.activity_id for c in digest.follow_up_candidates(deps.db, since)) == sorted(
        c.activity_id for c in digest.follow_up_candidates_of(deps.db, since, everyone))
    paged = [c.activity_id for i in range(0, len(everyone), 3)
             for c in digest.follow_up_candidates_of(deps.db, since, everyone[i:i + 3])]
    assert sorted(paged) == sorted(c.activity_id for c in digest.follow_up_candidates(deps.db, since))
    for moment in (MONDAY_NY_10AM, now):
        whole = plan(deps.db, moment, NY)
        assert whole == [o for step in plan_steps(deps.db, moment, NY, page=2, scan=3) for o in step]
        assert len({o.key for o in whole}) == len(whole)


def test_a_candidate_page_starts_after_the_last_one(deps: Deps) -> None:
    seed(deps, 12)
    pages, after = [], 0
    while page := digest.nudge_candidates_after(deps.db, after, 5):
        pages.append([m.user_id for m in page])
        after = page[-1].id
    assert [len(p) for p in pages] == [5, 5, 2]
    assert [u for p in pages for u in p] == [m.user_id for m in digest.nudge_candidates(deps.db)]


async def test_pacing_carries_on_from_one_batch_to_the_next(deps: Deps) -> None:
    """The workspace's pace belongs to the deliverer, not to one batch: the first send of a batch waits its turn
    after the last send of the one before (a lower bound on the gaps, so a slow machine cannot fail it)."""
    seed(deps, 12)
    times: list[float] = []

    class Clocked(Yielding):
        async def send(self, out: Any) -> str:
            times.append(asyncio.get_running_loop().time())
            return await Yielding.send(self, out)

    deliverer = batches(deps, Clocked())
    deliverer.workspace_rate = 20  # one send every 50 ms
    report = await sweep(deps, deliverer, kinds=("nudge",), batch=5)
    assert report.sent == 12 and deliverer.sizes == [5, 5, 2]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.045, gaps  # across the batch boundaries (after the 5th and 10th send) too
