"""Benchmark 7: a cold burst of slash commands against a slow Slack Web API.

A fresh `cohortbot serve` process (its own database, nobody known yet) gets 100 signed /interview commands from
4 members at once, while the fake Web API answers every call after LATENCY seconds. Counted from the fake's own
records: how often the server called auth.test (Bolt's default authorization calls it on every request until one
has succeeded) and users.info (once per member, with one look-up in flight). Reply times of that cold burst are
set against a warm burst of the same size on the same server, measured right after it (the baseline).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.common import SECRET, TOKEN, Result, Table, Target, free_port, median, pct, running

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.fakeslack import FakeSlack  # noqa: E402
from tests.slack_signing import sign, slash_command_body  # noqa: E402

TEAM = "T0FAKE"
MEMBERS = ("U0COLD1", "U0COLD2", "U0COLD3", "U0COLD4")
LATENCY = 0.3  # seconds for every Web API answer: a slow day at Slack


def bodies(n: int, salt: str) -> list[tuple[bytes, dict[str, str]]]:
    out = []
    for i in range(n):
        member = MEMBERS[i % len(MEMBERS)]
        body = slash_command_body("/interview", f"Firm{salt}{i} screener", team_id=TEAM, user_id=member,
                                  user_name=member.lower())
        out.append((body.encode(), sign(SECRET, body)))
    return out


async def burst(url: str, signed: list[tuple[bytes, dict[str, str]]]) -> tuple[list[float], int]:
    """Send them all at once; each one's reply time in ms, and how many were not a 200."""
    async with aiohttp.ClientSession() as session:

        async def one(body: bytes, headers: dict[str, str]) -> tuple[float, int]:
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                return (time.perf_counter() - started) * 1000, response.status

        results = await asyncio.gather(*(one(b, h) for b, h in signed))
    return [ms for ms, _ in results], sum(status != 200 for _, status in results)


def run(quick: bool = False) -> Result:
    started = time.perf_counter()
    n = 40 if quick else 100
    fake = FakeSlack.start_in_thread(latency=LATENCY, team_id=TEAM)
    for member in MEMBERS:
        fake.add_user(member, name=member.lower(), real_name=member, display_name=member, tz="America/New_York")
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    try:
        with tempfile.TemporaryDirectory(prefix="cohortbot-cold-") as tmp:
            env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url,
                   "COHORTBOT_DB": str(Path(tmp) / "cold.db"), "HOST": "127.0.0.1", "PORT": str(port),
                   "COHORTBOT_SWEEP_SECONDS": "3600"}
            with running([sys.executable, "-m", "bot", "serve"], env, "coldstart.log", port):
                at_start = {m: len(fake.calls_to(m)) for m in ("auth.test", "users.info")}
                cold, cold_errors = asyncio.run(burst(url, bodies(n, "c")))
                calls = {m: len(fake.calls_to(m)) for m in ("auth.test", "users.info")}
                warm, warm_errors = asyncio.run(burst(url, bodies(n, "w")))
    finally:
        fake.stop()
    table = Table(f"Cold burst: {n} commands from {len(MEMBERS)} members at once, Web API answering in "
                  f"{LATENCY * 1000:.0f} ms", ["burst", "p50 ms", "p99 ms", "max ms", "vs warm (p50)", "errors",
                                                "auth.test", "users.info"])
    table.add("cold (first requests after start)", median(cold), pct(cold, 99), max(cold),
              median(cold) / median(warm), cold_errors, calls["auth.test"], calls["users.info"])
    table.add("warm (the same again)", median(warm), pct(warm, 99), max(warm), 1.0, warm_errors, "", "")
    table.note = (f"auth.test is asked once at start-up ({at_start['auth.test']} call before the burst) and never "
                  "per request; users.info once per member, the other requests of that member waiting for the "
                  "one look-up in flight. Counted from the fake Web API's records.")
    targets = [
        Target("cold start: auth.test for a cold burst", "1", str(calls["auth.test"]), calls["auth.test"] == 1,
               "asked at start-up, then reused"),
        Target("cold start: users.info for a cold burst", f"{len(MEMBERS)} (one per member)",
               str(calls["users.info"]), calls["users.info"] == len(MEMBERS), ""),
        Target("cold start: p99 reply in the cold burst", "< 3,000 ms (Slack's limit)", f"{pct(cold, 99):,.0f} ms",
               pct(cold, 99) < 3000, f"{median(cold) / median(warm):.1f}x the warm median"),
    ]
    return Result("coldstart", [table], targets, time.perf_counter() - started)


if __name__ == "__main__":
    result = run(quick="--quick" in sys.argv)
    for t in result.tables:
        t.print()
    for target in result.targets:
        print(target.row())
