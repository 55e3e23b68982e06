"""Benchmark 4: start-up, from spawning the process to the first 200 from GET /healthz.

`cohortbot serve` (the installed console script, on an existing database as after a restart; the first spawn,
which creates the file, is not counted) against bench/bolt_floor.py, the bare Bolt app on aiohttp. Both point at
a FakeSlack in this process; /healthz is polled every 5 ms. Median of 5 (3 with --quick), alternating.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import (
    BENCH,
    SECRET,
    TOKEN,
    Result,
    Table,
    Target,
    cohortbot_exe,
    free_port,
    median,
    spawn,
    stop,
    wait_healthy,
)


def time_start(argv: list[str], env: dict[str, str], log: str) -> float:
    port = free_port()
    start = time.perf_counter()
    proc = spawn(argv, {**env, "PORT": str(port)}, log)
    try:
        wait_healthy(port, proc, deadline=60)
        return time.perf_counter() - start
    finally:
        stop(proc)


def import_time(module: str) -> float:
    """Seconds to import `module` in a fresh interpreter (what most of a start-up is)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=str(BENCH.parent))
    return float(done.stdout.strip() or "nan")


def run(quick: bool = False) -> Result:
    from tests.fakeslack import FakeSlack

    started = time.perf_counter()
    n = 3 if quick else 5
    fake = FakeSlack.start_in_thread()
    try:
        with tempfile.TemporaryDirectory(prefix="cohortbot-startup-") as tmp:
            env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url,
                   "COHORTBOT_DB": str(Path(tmp) / "startup.db"), "HOST": "127.0.0.1",
                   "COHORTBOT_SWEEP_SECONDS": "3600"}
            servers = {"cohortbot serve": cohortbot_exe() + ["serve"],
                       "bare Bolt app": [sys.executable, str(BENCH / "bolt_floor.py")]}
            first = time_start(servers["cohortbot serve"], env, "startup.log")  # creates and migrates the file
            times: dict[str, list[float]] = {name: [] for name in servers}
            for i in range(n):
                for name in (list(servers) if i % 2 == 0 else list(servers)[::-1]):
                    times[name].append(time_start(servers[name], env, "startup.log"))
    finally:
        fake.stop()
    ours, floor = median(times["cohortbot serve"]), median(times["bare Bolt app"])
    table = Table(
        "Start-up: spawn to first healthy GET /healthz",
        ["server", "median s", "min s", "max s", "vs bare Bolt app"],
        note=(f"Median of {n}, alternating. The very first cohortbot start, which also created and migrated the "
              f"database, took {first:.2f} s and is not counted."),
    )
    for name, values in times.items():
        table.add(name, median(values), min(values), max(values), median(values) / floor)
    imports = Table("Import time in a fresh interpreter (median of 3; most of a start-up)", ["modules", "seconds"])
    measured = {}
    slack_only, with_teams = "bot.app, bot.transports.slack.handlers", "bot.app, bot.transports.slack.handlers, " \
        "bot.transports.teams.handlers"
    for modules in ("slack_bolt.async_app", slack_only, with_teams):
        measured[modules] = median([import_time(modules) for _ in range(3)])
        imports.add(modules, measured[modules])
    teams = measured[with_teams] - measured[slack_only]
    imports.note = (f"Importing the Teams transport adds {teams:.2f} s; `cohortbot serve` imports it only when "
                    "Teams is configured (otherwise /api/messages answers 503 without it).")
    targets = [Target("start-up vs the bare Bolt app", "no target", f"{ours:.2f} s vs {floor:.2f} s", True,
                      f"{ours / floor:.1f}x, {ours - floor:+.2f} s (Slack only; a Teams-enabled server also imports "
                      f"the Teams SDK, ~{teams:.2f} s)", reported_only=True)]
    return Result("startup", [table, imports], targets, time.perf_counter() - started)


if __name__ == "__main__":
    res = run("--quick" in sys.argv)
    for t in res.tables:
        t.print()
    for target in res.targets:
        print(target.row())
