"""How long reading one /interview or /network line takes, and how it compares.

    python -m bench.parse            # the phrase table (tests/phrases.py) repeated 200 times
    python -m bench.parse --quick    # 20 times

Times `commands.interview.parse` / `commands.network.parse` (the whole reader: words, days, times, names, the
draft when unsure) per line, against two baselines measured in the same run on the same lines: the released
reader (a copy of the old `commands.logs.parse_log`, which read a date and a stage only at the end) and
`str.split` (a floor). The first pass is also timed alone, with the typo cache empty.

If dateparser or parsedatetime is importable (they are not dependencies: `pip install dateparser parsedatetime`
in a scratch environment), their dates for the same lines are compared with the table's: how many they get
right, how many they guess where the table asks ("next month" read as a date), and their time per line.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/parse.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Result, Table, Target  # noqa: E402
from commands import REGISTRY  # noqa: E402
from commands.logs import Draft, LogArgs  # noqa: E402
from commands.parsing import (  # noqa: E402
    STAGE_SYNONYMS,
    TYPE_SYNONYMS,
    Token,
    UsageError,
    closest,
    match_phrase,
    near_miss,
    parse_date_words,
    tokenize,
)
from commands.understand import _near  # noqa: E402
from tests.phrases import TABLE, TODAY, Phrase, Stored  # noqa: E402

BUDGET_MS = 1.0  # p99 per line

# ---- the released reader, for comparison -------------------------------------------------------------------


@dataclass(frozen=True)
class _Tail:
    rest: list[Token]
    day: date | None = None
    subtype: str | None = None


def _tail_of(tokens: list[Token], width: int) -> list[str] | None:
    tail = tokens[-width:]
    if len(tokens) > width and not any(t.quoted for t in tail):
        return [t.text for t in tail]
    return None


def old_parse(text: str, command: str, today: date) -> tuple[str, str, date, str] | None:
    """The released reader (commands.logs.parse_log before this change): (org, subtype, day, notes), or None when
    it refused the line. It reads a date and a stage or type from the end only."""
    synonyms, default = (STAGE_SYNONYMS, "other") if command == "interview" else (TYPE_SYNONYMS, "informational")
    try:
        tokens, notes = tokenize(text)
        tokens = [t for t in tokens if t.quoted or t.text.lower() != "--share"]
        found = _Tail(tokens)
        for _ in range(2):
            before = found
            if found.day is None:
                for width in (2, 1):
                    words = _tail_of(found.rest, width)
                    parsed = parse_date_words(words, today) if words else None
                    if parsed is not None:
                        found = _Tail(found.rest[:-width], parsed, found.subtype)
                        break
            if found is before and found.subtype is None:
                for width in (3, 2, 1):
                    words = _tail_of(found.rest, width)
                    subtype = match_phrase(words, synonyms) if words else None
                    if subtype is not None:
                        found = _Tail(found.rest[:-width], found.day, subtype)
                        break
            if found is before:
                break
        rest = found.rest
        if not rest or (rest[0].quoted and len(rest) > 1) or (len(rest) > 1 and near_miss(rest[-1].text, synonyms)):
            return None
        org = " ".join(t.text for t in rest).strip()
        if not org or len(org) > 200:
            return None
        return org, found.subtype or default, found.day or today, notes or ""
    except UsageError:
        return None


# ---- timing ------------------------------------------------------------------------------------------------


def _new(phrase: Phrase) -> Any:
    try:
        return REGISTRY[phrase.command].parse(phrase.text, TODAY)
    except UsageError:
        return None


def _old(phrase: Phrase) -> Any:
    return old_parse(phrase.text, phrase.command, TODAY)


def _split(phrase: Phrase) -> Any:
    return phrase.text.split()


def timings(fn: Callable[[Phrase], Any], rounds: int, *, cold: bool = False) -> tuple[list[float], list[float]]:
    """Milliseconds per call, every line of the table `rounds` times: wall clock, and this thread's CPU time (the
    wall clock also counts the time another process had the core: on a shared machine, whole 4 ms time slices).
    `cold`: the typo caches are emptied before each round."""
    wall: list[float] = []
    cpu: list[float] = []
    gc.collect()
    for _ in range(rounds):
        if cold:
            closest.cache_clear()
            _near.cache_clear()
        for phrase in TABLE:
            c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
            fn(phrase)
            wall.append((time.perf_counter_ns() - t0) / 1e6)
            cpu.append((time.thread_time_ns() - c0) / 1e6)
    return wall, cpu


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


# ---- what each reader does with the table ------------------------------------------------------------------


def kind_of(phrase: Phrase) -> str:
    return phrase.kind or ("interview" if phrase.command == "interview" else "networking")


def outcomes() -> dict[str, dict[str, int]]:
    """Per reader: lines stored as meant, stored wrong (fields differ, or stored where the table asks), asked or
    refused."""
    counts = {name: {"stored as meant": 0, "stored wrong": 0, "asked or refused": 0} for name in ("new", "old")}
    for phrase in TABLE:
        new = _new(phrase)
        if isinstance(new, LogArgs):
            right = isinstance(phrase, Stored) and (new.kind, new.org, new.subtype, new.day, new.time, new.notes) == (
                kind_of(phrase), phrase.org, phrase.subtype, phrase.day, phrase.time, phrase.notes)
            counts["new"]["stored as meant" if right else "stored wrong"] += 1
        else:
            counts["new"]["asked or refused"] += 1
        old = _old(phrase)
        if old is None:
            counts["old"]["asked or refused"] += 1
        else:
            right = isinstance(phrase, Stored) and not phrase.kind and phrase.time is None and old == (
                phrase.org, phrase.subtype, phrase.day, phrase.notes)
            counts["old"]["stored as meant" if right else "stored wrong"] += 1
    return counts


def library_readers() -> dict[str, Callable[[str], date | None]]:
    """Day readers from libraries that happen to be installed (none is a dependency)."""
    readers: dict[str, Callable[[str], date | None]] = {}
    base = datetime(TODAY.year, TODAY.month, TODAY.day, 10, 0)
    try:
        from dateparser.search import search_dates  # type: ignore[import-not-found, import-untyped, unused-ignore]

        def dateparser_day(text: str) -> date | None:
            found = search_dates(text, languages=["en"],
                                 settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"})
            return found[0][1].date() if found else None

        readers["dateparser.search"] = dateparser_day
    except ImportError:
        pass
    try:
        import parsedatetime  # type: ignore[import-not-found, import-untyped, unused-ignore]

        calendar = parsedatetime.Calendar()

        def parsedatetime_day(text: str) -> date | None:
            found = calendar.nlp(text, sourceTime=base)
            return found[0][0].date() if found else None

        readers["parsedatetime.nlp"] = parsedatetime_day
    except ImportError:
        pass
    return readers


def our_day(text: str, command: str) -> date | None:
    """The day this reader stores (or shows in its draft; None when it asks which day)."""
    parsed = REGISTRY[command].parse(text, TODAY)
    if isinstance(parsed, LogArgs):
        return parsed.day
    return parsed.understood.day if isinstance(parsed, Draft) else None


def compare_libraries(table: Table) -> None:
    readers = library_readers()
    for name, read in [("cohortbot (this reader)", None), *readers.items()]:
        right = guessed = wrong = 0
        times: list[float] = []
        for phrase in TABLE:
            want = phrase.day  # Asked: a date, None (must be asked), or "any" (not checked)
            if want == "any":
                continue
            t0 = time.perf_counter_ns()
            try:  # a library that finds no date means today, as this reader does for a line without one
                got = our_day(phrase.text, phrase.command) if read is None else (
                    read(phrase.text.split(" -- ")[0]) or TODAY)
            except Exception:  # a reader refusing the line
                got = None
            times.append((time.perf_counter_ns() - t0) / 1e6)
            if want is None:
                guessed += got is not None
                right += got is None
            elif got == want:
                right += 1
            else:
                wrong += 1
        table.add(name, right, wrong, guessed, f"{statistics.median(times):.3f}", f"{pct(times, 99):.3f}")


# ---- the run -----------------------------------------------------------------------------------------------


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def run(quick: bool = False) -> Result:
    started = time.perf_counter()
    rounds = 20 if quick else 200
    cold = timings(_new, 5, cold=True)
    new, old, split = timings(_new, rounds), timings(_old, rounds), timings(_split, rounds)
    lines = len(TABLE)
    speed = Table(f"Reading a line: the phrase table ({lines} lines) x {rounds}, ms per line",
                  ["reader", "p50 ms", "p99 ms", "max ms", "CPU p50 ms", "CPU p99 ms", "CPU max ms",
                   "CPU p99 vs released"],
                  note="released: the old parse_log (date and stage read at the end only); str.split: a floor. "
                       "Cold: the table 5 times, the typo caches emptied before each. CPU: this thread's CPU time "
                       "(the wall clock's max is another process's time slice on a shared machine).")
    for name, (wall, cpu) in (("this reader", new), ("this reader, cold", cold), ("released reader", old),
                              ("str.split", split)):
        speed.add(name, f"{pct(wall, 50):.4f}", f"{pct(wall, 99):.4f}", f"{max(wall):.3f}", f"{pct(cpu, 50):.4f}",
                  f"{pct(cpu, 99):.4f}", f"{max(cpu):.3f}", f"{pct(cpu, 99) / pct(old[1], 99):.1f}x")
    counts = outcomes()
    quality = Table(f"What each reader does with the {lines} lines (tests/phrases.py)",
                    ["reader", "stored as meant", "stored wrong", "asked or refused"],
                    note="stored wrong: stored with other fields than the table's, or stored where the table asks. "
                         "The released reader runs with today's (larger) synonym tables.")
    for name, label in (("new", "this reader"), ("old", "released reader")):
        quality.add(label, counts[name]["stored as meant"], counts[name]["stored wrong"],
                    counts[name]["asked or refused"])
    days = Table("Days read from the same lines (lines whose day the table gives, or says must be asked about)",
                 ["reader", "right", "wrong day", "guessed a day (the table asks)", "p50 ms", "p99 ms"],
                 note="dateparser and parsedatetime are timed only when installed; neither is a dependency. A "
                      "library that finds no date counts as today, as this reader does for a line without one.")
    compare_libraries(days)
    p99, cold_p99 = pct(new[1], 99), pct(cold[1], 99)
    targets = [
        Target("parse: p99 per line (CPU)", f"< {BUDGET_MS:g} ms", f"{p99:.3f} ms (p50 {pct(new[1], 50):.3f} ms)",
               p99 < BUDGET_MS, f"{p99 / pct(old[1], 99):.1f}x the released reader's p99; wall clock p99 "
                                f"{pct(new[0], 99):.3f} ms, load average {_load()}"),
        Target("parse: p99 per line, cold caches (CPU)", f"< {BUDGET_MS:g} ms", f"{cold_p99:.3f} ms",
               cold_p99 < BUDGET_MS, "every word new to the typo cache"),
        Target("parse: stored wrong on the phrase table", "0", str(counts["new"]["stored wrong"]),
               counts["new"]["stored wrong"] == 0, f"released reader: {counts['old']['stored wrong']}"),
    ]
    return Result("parse", tables=[speed, quality, days], targets=targets, seconds=time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.parse", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="repeat the table 20 times instead of 200")
    result = run(quick=parser.parse_args(argv).quick)
    for table in result.tables:
        table.print()
    for target in result.targets:
        print(f"  {'MET   ' if target.met else 'MISSED'} {target.name}: {target.measured} (goal {target.goal}); "
              f"{target.how}")
    return 0 if all(t.met for t in result.targets) else 1


if __name__ == "__main__":
    raise SystemExit(main())
