"""Benchmark 3: the weekly nudge fan-out to 10,000 members against the fake Slack Web API.

One cohort of 10,000 members in nine timezones from Honolulu to Johannesburg, every one of them due at the
chosen moment (Monday 30 November 2026, 21:00 UTC, Monday 11:00 to 23:00 locally), each with a few weeks of
history so the planner does its real per-member work (last week's numbers, streak, situation, card choice).
The database is generated once and copied fresh for every run (an empty delivery ledger).

Each run is its own subprocess (so its peak memory is its own: VmHWM from /proc/self/status), against a FakeSlack
running in a thread of this process, which records every chat.postMessage: duplicates and missing targets are
counted from those records, not from our own report.
  cohortbot      `bot.scheduler.sweep` (planned and delivered in batches of 500 by `bot.delivery.Deliverer`)
                 through `SlackNotifier`, with pacing off (workspace_rate=0, channel_interval=0) and 64 sends in
                 flight: claim in the ledger, post, mark; `plan s` is the time spent in its planning steps
  bare client    the same 10,000 messages posted by a plain loop over AsyncWebClient.chat_postMessage, 64 in
                 flight, no ledger (planned first, untimed), on one keep-alive session as cohortbot uses: what the
                 client and the fake can do at most; once more with slack_sdk's default, a new connection per call
  paced          cohortbot with realistic pacing (workspace_rate 20/s, 1.1 s per channel) to a few members: the
                 run should take (n - 1) / rate, the pacing bound, and no longer
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import TOKEN, Result, Table, Target, out_dir, peak_rss_mb, rss_mb

NOW = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)  # Monday
TZS = ["Pacific/Honolulu", "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
       "America/Sao_Paulo", "Europe/London", "Europe/Berlin", "Africa/Johannesburg"]
GEN_VERSION = 2  # 2: entries count (the `counted` column), logged the day they happened
CONCURRENCY = 64


def user_id(i: int) -> str:
    return f"U{i:08d}"


def db_template(members: int) -> Path:
    path = out_dir() / f"fanout-{members}m-v{GEN_VERSION}.db"
    if path.exists():
        return path
    import random

    from storage import members as members_store
    from storage import open_db
    from storage.activities import base_points, org_key
    from storage.members import ScoringRules

    rng = random.Random(3)
    rules = ScoringRules(3, 5, 3, 2, 1, 10)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    db = open_db(tmp)
    joined = NOW - timedelta(weeks=16)
    first = members_store.ensure_member(db, platform="slack", workspace="T0FAKE", user_id=user_id(0),
                                        display_name="Member 0", tz=TZS[0], now=joined, rules=rules, weekly_goal=3)
    ws, cohort = first.workspace_key, first.cohort.id
    at = joined.isoformat()
    with db.conn:
        db.conn.executemany(
            "INSERT INTO members (workspace_id, cohort_id, user_id, display_name, tz, weekly_goal, joined_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, 3, ?, ?)",
            [(ws, cohort, user_id(i), f"Member {i}", TZS[i % len(TZS)], at, at) for i in range(1, members)])
    ids = [r[0] for r in db.execute("SELECT id FROM members ORDER BY id")]
    rows = []
    seq = 0
    kinds = [("interview", "screener"), ("interview", "callback"), ("networking", "informational"),
             ("networking", "coffee"), ("networking", "event"), ("interview", "offer")]
    for member_id in ids:
        for _ in range(rng.choice([0, 0, 2, 5, 8, 12, 20])):
            kind, subtype = rng.choice(kinds)
            day = (NOW.date() - timedelta(days=rng.randrange(1, 84))).isoformat()
            org = f"Firm {rng.randrange(60)}"
            seq += 1
            rows.append((ws, cohort, member_id, seq, kind, subtype, org, org_key(org), day, day,
                         base_points(kind, subtype, rules, implied=subtype == "offer"), "done", "slack:command",
                         at, at))
    with db.conn:  # every entry counts (an offer for the interview it implies), as storage.scoring would say
        db.conn.executemany(
            "INSERT INTO activities (workspace_id, cohort_id, member_id, seq, kind, subtype, org, org_key, "
            "happened_on, logged_on, points, counted, status, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)", rows)
    _rebuild_aggregates(db)
    db.conn.close()
    tmp.rename(path)
    return path


def _rebuild_aggregates(db: Any) -> None:
    """Bulk inserts bypass storage: let it rebuild what it derives from the entries (running totals)."""
    from storage import board

    board.rebuild_totals(db)


# ---- the child process -------------------------------------------------------------------------------

class Planning:
    seconds = 0.0
    messages = 0


def timed_steps() -> Planning:
    """Time the sweep's planning steps (the rest of a sweep is delivery): wraps bot.scheduler.plan_steps."""
    from bot import scheduler

    spent = Planning()
    steps = getattr(scheduler, "plan_steps")  # noqa: B009 - swapped for a timed one below

    def timed(*args: Any, **kwargs: Any) -> Any:
        found = steps(*args, **kwargs)
        while True:
            start = time.perf_counter()
            step = next(found, None)
            spent.seconds += time.perf_counter() - start
            if step is None:
                return
            spent.messages += len(step)
            yield step

    setattr(scheduler, "plan_steps", timed)  # noqa: B010 - module attribute swapped for the run
    return spent

async def child(mode: str, db_file: str, api_url: str, rate: float, interval: float) -> dict[str, Any]:
    rss_start = rss_mb()
    from bot import scheduler
    from bot.config import Settings
    from bot.delivery import Deliverer
    from bot.nudges import plan
    from bot.transports.slack import rendering
    from bot.transports.slack.client import close_session, make_client, open_session
    from bot.transports.slack.notify import SlackNotifier
    from commands.model import Deps
    from storage import open_db

    settings = Settings(slack_bot_token=TOKEN, slack_signing_secret="x", slack_api_url=api_url)
    db = open_db(db_file)
    rss_ready = rss_mb()
    client = make_client(settings)
    if mode != "bare-new-connections":
        await open_session(client)  # as `cohortbot serve` and `cohortbot nudge` do
    out: dict[str, Any] = {"rss_start_mb": rss_start, "rss_ready_mb": rss_ready}
    if mode.startswith("bare"):
        planned = plan(db, NOW, settings.default_tz, kinds=("nudge",))  # all at once, untimed
        out["planned"] = len(planned)
        gate = asyncio.Semaphore(CONCURRENCY)

        async def post(o: Any) -> None:
            async with gate:
                await client.chat_postMessage(channel=o.target, **rendering.to_message(o.reply))

        t2 = time.perf_counter()
        await asyncio.gather(*(post(o) for o in planned))
        out.update(send_s=time.perf_counter() - t2, sent=len(planned), failed=0)
    else:
        deliverer = Deliverer(db=db, notifiers={"slack": SlackNotifier(client)}, clock=lambda: NOW,
                              workspace_rate=rate, channel_interval=interval, concurrency=CONCURRENCY)
        deps = Deps(db=db, clock=lambda: NOW, default_tz=settings.default_tz)
        planning = timed_steps()
        t2 = time.perf_counter()
        report = await scheduler.sweep(deps, deliverer, kinds=("nudge",), now=NOW)  # planned and sent in batches
        total = time.perf_counter() - t2
        out.update(planned=planning.messages, plan_s=planning.seconds, send_s=total - planning.seconds,
                   sent=report.sent, failed=report.failed, skipped=report.skipped)
        out["ledger_sent"] = db.execute("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'").fetchone()[0]
    await close_session(client)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


# ---- the parent --------------------------------------------------------------------------------------

def run_child(fake: Any, mode: str, template: Path, rate: float = 0, interval: float = 0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="cohortbot-fanout-") as tmp:
        db_file = Path(tmp) / "fanout.db"
        shutil.copy(template, db_file)
        before = len(fake.calls)
        done = subprocess.run(
            [sys.executable, "-m", "bench.fanout", "--child", mode, str(db_file), fake.url, str(rate), str(interval)],
            capture_output=True, text=True, cwd=str(Path(__file__).resolve().parent.parent), timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"fan-out child {mode} failed:\n{done.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        posts = Counter(str(c.args.get("channel")) for c in fake.calls[before:] if c.method == "chat.postMessage")
        expected = {r[0] for r in sqlite3.connect(template).execute("SELECT user_id FROM members")}
        result["posts"] = sum(posts.values())
        result["duplicates"] = sum(n - 1 for n in posts.values() if n > 1)
        result["missing"] = len(expected - set(posts))
        result["unexpected"] = len(set(posts) - expected)
    return result


def run(quick: bool = False) -> Result:
    from tests.fakeslack import FakeSlack

    started = time.perf_counter()
    n = 3000 if quick else 10_000
    n_paced = 40 if quick else 100
    rate = 20.0
    big, small = db_template(n), db_template(n_paced)
    fake = FakeSlack.start_in_thread()
    try:
        runs = {"bare client, new connection per call": run_child(fake, "bare-new-connections", big),
                "bare client": run_child(fake, "bare", big), "cohortbot": run_child(fake, "ours", big)}
        paced = run_child(fake, "ours", small, rate=rate, interval=1.1)
    finally:
        fake.stop()
    table = Table(
        f"Weekly fan-out: {n:,} members due at once, FakeSlack on loopback, pacing off, {CONCURRENCY} in flight",
        ["run", "planned", "plan s", "send s", "sent msg/s", "end-to-end msg/s", "posts seen by Slack", "duplicates",
         "missing", "peak RSS MB", "RSS after imports MB"],
        note=("`send s` is the delivery alone (for cohortbot: claim in the ledger, post, mark sent); end-to-end "
              "adds planning. `bare client` posts the same messages with AsyncWebClient and no ledger (planned "
              "first, untimed) on one keep-alive session, as cohortbot does; `new connection per call` is "
              "slack_sdk's default without a session. Duplicates and missing are counted from the fake's own "
              "record of chat.postMessage. The fake runs in the benchmark process, on the same 2 cores."),
    )
    for name, r in runs.items():
        table.add(name, r["planned"], r["plan_s"] if name == "cohortbot" else float("nan"), r["send_s"],
                  r["sent"] / r["send_s"], r["sent"] / (r["plan_s"] + r["send_s"]) if name == "cohortbot"
                  else float("nan"), r["posts"], r["duplicates"], r["missing"], r["peak_rss_mb"], r["rss_ready_mb"])
    ours, bare = runs["cohortbot"], runs["bare client"]
    ratio = (ours["sent"] / ours["send_s"]) / (bare["sent"] / bare["send_s"])
    table.note += f" Delivery throughput of cohortbot vs the bare client: {ratio:.2f}x."
    bound = (n_paced - 1) / rate
    pace = Table(
        f"Paced fan-out: {n_paced} members, workspace rate {rate:g}/s, 1.1 s per channel (the defaults)",
        ["members", "pacing bound (n-1)/rate s", "measured send s", "over the bound", "duplicates", "missing"],
        [[n_paced, bound, paced["send_s"], f"{(paced['send_s'] / bound - 1) * 100:+.1f}%", paced["duplicates"],
          paced["missing"]]],
        note="The first message goes at once and each next one 1/rate later, so n messages take (n-1)/rate.",
    )
    e2e = ours["sent"] / (ours["plan_s"] + ours["send_s"])
    exact = ours["duplicates"] == 0 and ours["missing"] == 0 and ours["unexpected"] == 0 and ours["sent"] == n \
        and ours["ledger_sent"] == n
    targets = [
        Target("fan-out: throughput", "≥ 500 msg/s",
               f"{e2e:,.0f} msg/s end to end ({ours['sent'] / ours['send_s']:,.0f} sending)", e2e >= 500,
               f"{e2e / 500:.1f}x the target" if e2e >= 500
               else f"{(1 - e2e / 500) * 100:.0f}% short"),
        Target("fan-out: peak memory", "< 150 MB", f"{ours['peak_rss_mb']:.0f} MB", ours["peak_rss_mb"] < 150,
               f"{150 - ours['peak_rss_mb']:.0f} MB to spare" if ours["peak_rss_mb"] < 150
               else f"{ours['peak_rss_mb'] - 150:.0f} MB over"),
        Target("fan-out: exactly once", "0 duplicates, 0 missing",
               f"{ours['duplicates']} duplicates, {ours['missing']} missing, {ours['ledger_sent']:,} marked sent",
               exact, "counted from the fake's records"),
        Target("fan-out: paced run is the pacing bound", "within a few % of (n-1)/rate",
               f"{paced['send_s']:.2f} s vs {bound:.2f} s", abs(paced["send_s"] / bound - 1) <= 0.05,
               f"{(paced['send_s'] / bound - 1) * 100:+.1f}%"),
    ]
    return Result("fanout", [table, pace], targets, time.perf_counter() - started)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _, _, mode, db_file, url, rate, interval = sys.argv
        print(json.dumps(asyncio.run(child(mode, db_file, url, float(rate), float(interval)))))
    else:
        res = run("--quick" in sys.argv)
        for t in res.tables:
            t.print()
        for target in res.targets:
            print(target.row())
