"""Run the benchmarks and write bench/RESULTS.md.

    python -m bench.run            # everything (~6-8 minutes; the first run also generates a 1M-row database)
    python -m bench.run --quick    # smaller and shorter (~2 minutes); writes bench/out/RESULTS-quick.md
    python -m bench.run --only leaderboard,startup
    python -m bench.run --only fanout_latency   # commands during 10,000- and 100,000-nudge fan-outs (~5 minutes)

Each benchmark prints its tables as it finishes. The full run rewrites bench/RESULTS.md, keeping its hand-written
"## Notes" section. Everything runs on 127.0.0.1; generated databases and server logs go to bench/out/.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH, Result, Table, machine, out_dir  # noqa: E402

ORDER = ("roundtrip", "leaderboard", "fanout", "startup", "parse", "fanout_latency", "coldstart")
TITLES = {
    "roundtrip": "1. Slash command round trip",
    "leaderboard": "2. Leaderboard at scale",
    "fanout": "3. Weekly fan-out",
    "startup": "4. Start-up",
    "parse": "5. Reading a line (/interview, /network)",
    "fanout_latency": "6. Slash commands during a fan-out",
    "coldstart": "7. A cold burst against a slow Web API",
}


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def run_one(name: str, quick: bool) -> Result:
    import importlib

    module = importlib.import_module(f"bench.{name}")
    result: Result = module.run(quick=quick)
    return result


def render(results: list[Result], command: str, quick: bool, started: datetime, seconds: float, loads: tuple[str, str],
           notes: str) -> str:
    info = machine()
    lines = [
        "# cohortbot benchmarks" + (" (quick run)" if quick else ""),
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; the run took {seconds / 60:.1f} minutes",
        f"- Command: `{command}`",
        f"- Machine: {info['nproc']} cores, {info['cpu']}, {info['memory']} RAM, {info['os']}",
        f"- Software: Python {info['python']}, SQLite {info['sqlite']}, aiohttp {info['aiohttp']}, "
        f"slack_bolt {info['slack_bolt']}, slack_sdk {info['slack_sdk']}",
        f"- Load average (1, 5, 15 min) before: {loads[0]}; after: {loads[1]}. Everything, load generator and fake "
        "Slack included, shares these cores, so compare rows of one run with each other rather than with another "
        "machine.",
        "",
        "## Targets",
        "",
    ]
    targets = Table("", ["target", "goal", "measured", "result", "margin / why"])
    for result in results:
        for target in result.targets:
            targets.add(*target.row())
    lines += targets.markdown().split("\n")[2:]
    for result in results:
        lines += ["", f"## {TITLES[result.name]}", ""]
        for table in result.tables:
            lines += [table.markdown(), ""]
        lines.append(f"_{result.seconds:.0f} s_")
    lines += ["", notes.rstrip(), ""]
    return "\n".join(lines)


DEFAULT_NOTES = "## Notes\n\n(Written by hand after a run; `python -m bench.run` keeps this section.)\n"


def kept_notes(path: Path) -> str:
    if not path.exists():
        return DEFAULT_NOTES
    text = path.read_text()
    index = text.find("\n## Notes")
    return text[index + 1:] if index != -1 else DEFAULT_NOTES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller data and shorter runs")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {', '.join(ORDER)}")
    parser.add_argument("--no-write", action="store_true", help="print only; do not write a RESULTS file")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(ORDER)
    unknown = set(names) - set(ORDER)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    command = "python -m bench.run" + (" --quick" if args.quick else "") + (f" --only {args.only}" if args.only else "")
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    before = load()
    results = []
    for name in names:
        print(f"== {TITLES[name]}{' (quick)' if args.quick else ''} ==", flush=True)
        result = run_one(name, args.quick)
        for table in result.tables:
            table.print()
        for target in result.targets:
            status = "INFO  " if target.reported_only else "MET   " if target.met else "MISSED"
            print(f"  {status} {target.name}: {target.measured} (goal {target.goal})"
                  f"{'; ' + target.how if target.how else ''}", flush=True)
        results.append(result)
    seconds = time.perf_counter() - t0
    results.sort(key=lambda r: ORDER.index(r.name))
    if not args.no_write:
        path = BENCH / "RESULTS.md" if not args.quick and not args.only else out_dir() / (
            "RESULTS-quick.md" if args.quick else "RESULTS-partial.md")
        path.write_text(render(results, command, args.quick, started, seconds, (before, load()),
                               kept_notes(BENCH / "RESULTS.md")))
        print(f"\nwrote {path.relative_to(BENCH.parent)} ({seconds / 60:.1f} minutes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
