"""Benchmark 2: the leaderboard and /progress on a large database, against the minimal hand-written SQL.

The database (generated once, cached under bench/out/, ~1 minute): 5,000 members in 50 cohorts (one workspace
per cohort, 100 members each) and 1,000,000 activities over two years, skewed the way real use is (a few very
active members, many occasional ones). Members are created through `storage.members.ensure_member`; activities
are inserted with executemany in one transaction, scored as `storage.activities.rescore_day` would (base points
by kind and stage, thank-you bonus, same kind + organisation + day counts once, daily cap), with ~2% deleted and
~1% cancelled. `--quick` uses 1,000 members in 10 cohorts and 200,000 activities: the same 100 members and
~20,000 activities per cohort, so per-cohort timings are comparable.

Timed, with the clock frozen at the last generated day (a Sunday, so the week is full):
  dispatch   `commands.dispatch.dispatch` of `/leaderboard [week|month|all]` and `/progress` as a random member of
             a random cohort (the honest path: parse, the command's transaction, finding the member, the query,
             the Reply), excluding only rendering to Block Kit
  board()    `storage.board.board` alone
  minimal    the same answer by the shortest SQL by hand, on a separate plain sqlite3 connection to the same file
"""

from __future__ import annotations

import functools
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import Result, Table, Target, median, out_dir, pct
from commands.dispatch import dispatch
from commands.model import Actor, CommandRequest, Deps, Where
from storage import board, members, open_db
from storage.activities import base_points, org_key
from storage.clock import week_start
from storage.members import ScoringRules

GEN_VERSION = 4  # 4: `counted` and `logged_on`, as storage/scoring.py keeps them
END = date(2026, 11, 29)  # a Sunday: the weekly board covers seven full days
NOW = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)  # Sunday 15:00 in New York, 12:00 in Los Angeles
DAYS = 730
RULES = ScoringRules(interview=3, offer_bonus=5, informational=3, meeting=2, event=1, daily_cap=10)
TZS = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Europe/London"]
STAGES = [("screener", 30), ("callback", 25), ("clerkship", 8), ("offer", 3), ("rejection", 10), ("other", 24)]
TYPES = [("informational", 35), ("coffee", 25), ("alumni", 15), ("event", 15), ("referral", 5), ("other", 5)]
FIRMS = [f"{a} {b}" for a in ("Latham", "Skadden", "Kirkland", "Sullivan", "Cravath", "Davis", "Simpson",
                              "Ropes", "Paul", "Debevoise", "Cleary", "Covington", "Wilmer", "Gibson", "Jones",
                              "Sidley", "Milbank", "Quinn", "Williams", "Baker")
         for b in ("LLP", "& Partners", "Legal", "Group", "Associates")]
NOTES = ["", "", "", "", "met two partners", "asked about pro bono", "follow up next week", "great conversation"]


def shape(quick: bool) -> tuple[int, int, int]:
    """(cohorts, members per cohort, activities)."""
    return (10, 100, 200_000) if quick else (50, 100, 1_000_000)


def db_path(quick: bool) -> Path:
    cohorts, per, acts = shape(quick)
    return out_dir() / f"board-{cohorts * per}m-{acts}a-v{GEN_VERSION}.db"


def _weighted(pairs: list[tuple[str, int]]) -> list[str]:
    return [name for name, weight in pairs for _ in range(weight)]


def generate(path: Path, cohorts: int, per_cohort: int, activities: int, seed: int = 42) -> None:
    rng = random.Random(seed)
    tmp = path.with_suffix(".tmp")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    db = open_db(tmp)
    start_day = END - timedelta(days=DAYS - 1)
    joined = datetime.combine(start_day, datetime.min.time(), UTC)
    people: list[tuple[int, int, int, float]] = []  # (workspace key, cohort id, member id, activity weight)
    for c in range(cohorts):
        for i in range(per_cohort):
            m = members.ensure_member(
                db, platform="slack", workspace=f"T{c:04d}", user_id=f"U{c:03d}{i:05d}",
                display_name=f"Member {c}-{i}", tz=TZS[(c + i) % len(TZS)], now=joined, rules=RULES,
                weekly_goal=3)
            people.append((m.workspace_key, m.cohort.id, m.member.id, rng.lognormvariate(0, 0.9)))
    # A few members hide or anonymise themselves, or leave.
    for _, _, member_id, _ in rng.sample(people, len(people) // 20):
        db.execute("UPDATE members SET privacy = ? WHERE id = ?", [rng.choice(["anonymous", "hidden"]), member_id])
    for _, _, member_id, _ in rng.sample(people, len(people) // 50):
        db.execute("UPDATE members SET active = 0 WHERE id = ?", [member_id])
    db.conn.commit()
    db.conn.close()

    # Which member logs on which day: each member's share of the total follows their weight.
    total_weight = sum(p[3] for p in people)
    buckets: list[list[int]] = [[] for _ in range(DAYS)]
    for index, (_, _, _, weight) in enumerate(people):
        for _ in range(max(1, round(activities * weight / total_weight))):
            buckets[rng.randrange(DAYS)].append(index)
    stages, types = _weighted(STAGES), _weighted(TYPES)

    def rows() -> Iterator[tuple[Any, ...]]:
        seq: dict[int, int] = {}
        for d, bucket in enumerate(buckets):
            day = start_day + timedelta(days=d)
            day_iso = day.isoformat()
            rng.shuffle(bucket)
            seen: dict[int, set[tuple[str, str]]] = {}
            earned: dict[int, int] = {}
            base = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)
            step = 36_000 / max(1, len(bucket))
            for k, index in enumerate(bucket):
                ws, cohort_id, member_id, _ = people[index]
                kind = "interview" if rng.random() < 0.45 else "networking"
                subtype = rng.choice(stages if kind == "interview" else types)
                org = rng.choice(FIRMS)
                key = org_key(org)
                deleted = rng.random() < 0.02
                status = "cancelled" if rng.random() < 0.01 else "done"
                thanked = kind == "interview" and rng.random() < 0.3
                points = counted = 0
                if not deleted and status == "done" and (kind, key) not in seen.setdefault(member_id, set()):
                    seen[member_id].add((kind, key))
                    counted = 0 if subtype in ("offer", "rejection") else 1  # an outcome is not one more round
                    full = base_points(kind, subtype, RULES) + (1 if thanked else 0)
                    so_far = earned.get(member_id, 0)
                    points = max(0, min(full, RULES.daily_cap - so_far))
                    earned[member_id] = so_far + points
                seq[ws] = seq.get(ws, 0) + 1
                at = (base + timedelta(seconds=k * step)).isoformat(timespec="microseconds")
                yield (ws, cohort_id, member_id, seq[ws], kind, subtype, org, key, day_iso, rng.choice(NOTES),
                       points, status, "slack:command", at, at, at if deleted else None, at if thanked else None,
                       counted, day_iso)

    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO activities (workspace_id, cohort_id, member_id, seq, kind, subtype, org, org_key, happened_on, "
        "notes, points, status, source, created_at, updated_at, deleted_at, thanked_at, counted, logged_on) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows())
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")  # as cohortbot opens it
    conn.close()
    db = open_db(tmp)
    board.rebuild_totals(db)  # the bulk insert bypassed storage, which keeps running totals per member
    db.conn.close()
    tmp.rename(path)


def ensure_db(quick: bool) -> tuple[Path, float]:
    """The cached database for this shape (generated if missing) and the seconds generation took (0 if cached)."""
    path = db_path(quick)
    if path.exists():
        return path, 0.0
    start = time.perf_counter()
    generate(path, *shape(quick))
    return path, time.perf_counter() - start


# ---- the minimal SQL ---------------------------------------------------------------------------------

MINIMAL_BOARD = """
SELECT m.id, m.display_name, m.user_id, m.privacy, m.active, s.points, s.interviews, s.meetings
FROM (SELECT member_id, SUM(points) AS points, SUM(counted AND kind = 'interview') AS interviews,
             SUM(counted AND kind = 'networking') AS meetings
      FROM activities
      WHERE cohort_id = ? AND happened_on BETWEEN ? AND ? AND deleted_at IS NULL
      GROUP BY member_id HAVING SUM(points) > 0 OR SUM(counted) > 0) AS s
JOIN members AS m ON m.id = s.member_id
ORDER BY s.points DESC
"""
MINIMAL_ALL_TIME = """
SELECT m.id, m.display_name, m.user_id, m.privacy, m.active, s.points, s.interviews, s.meetings
FROM (SELECT member_id, SUM(points) AS points, SUM(counted AND kind = 'interview') AS interviews,
             SUM(counted AND kind = 'networking') AS meetings
      FROM activities WHERE cohort_id = ? AND deleted_at IS NULL
      GROUP BY member_id HAVING SUM(points) > 0 OR SUM(counted) > 0) AS s
JOIN members AS m ON m.id = s.member_id
ORDER BY s.points DESC
"""
MINIMAL_ALL_TIME_TOTALS = """
SELECT m.id, m.display_name, m.user_id, m.privacy, m.active, t.points, t.interviews, t.meetings
FROM member_totals AS t JOIN members AS m ON m.id = t.member_id
WHERE t.cohort_id = ? AND t.interviews + t.meetings > 0
ORDER BY t.points DESC
"""
# /progress by hand, using the per-day totals the schema keeps (the cheapest source of each answer).
MINIMAL_PROGRESS = (
    "SELECT COALESCE(SUM(points), 0), COALESCE(SUM(interviews), 0), COALESCE(SUM(meetings), 0) "
    "FROM member_days WHERE member_id = ? AND day BETWEEN ? AND ?",
    "SELECT day FROM member_days WHERE member_id = ? AND day <= ? ORDER BY day DESC",
    "SELECT seq, kind, subtype, org, happened_on, points FROM activities WHERE member_id = ? AND deleted_at IS NULL "
    "ORDER BY happened_on DESC, id DESC LIMIT 5",
)


# ---- timing ------------------------------------------------------------------------------------------

def timed(fns: dict[str, Callable[[int], Any]], runs: int, warmup: int, chunk: int = 10) -> dict[str, list[float]]:
    """Milliseconds per call of each function, interleaved in chunks so drift and caches treat them alike."""
    for fn in fns.values():
        for i in range(warmup):
            fn(i)
    out: dict[str, list[float]] = {name: [] for name in fns}
    for base in range(0, runs, chunk):
        for name, fn in fns.items():
            for i in range(base, min(runs, base + chunk)):
                start = time.perf_counter()
                fn(i)
                out[name].append((time.perf_counter() - start) * 1000)
    return out


def run(quick: bool = False) -> Result:
    started = time.perf_counter()
    path, generated = ensure_db(quick)
    deps = Deps(db=open_db(path), clock=lambda: NOW)
    raw = sqlite3.connect(path)
    cohort_rows = raw.execute("SELECT c.id, w.external_id FROM cohorts c JOIN workspaces w ON w.id = c.workspace_id "
                              "ORDER BY c.id").fetchall()
    people = raw.execute("SELECT m.id, m.cohort_id, w.external_id, m.user_id, m.display_name, m.tz FROM members m "
                         "JOIN workspaces w ON w.id = m.workspace_id WHERE m.active = 1 ORDER BY m.id").fetchall()
    n_acts = raw.execute("SELECT COUNT(*) FROM activities").fetchone()[0]
    size_mb = path.stat().st_size / 1024 / 1024
    rng = random.Random(1)
    picks = [rng.choice(people) for _ in range(5000)]  # a random member of a random cohort each run
    by_cohort: dict[int, list[Any]] = {}
    for p in people:
        by_cohort.setdefault(p[1], []).append(p)
    cohort_picks = [rng.choice(by_cohort[rng.choice(cohort_rows)[0]]) for _ in range(5000)]
    runs = 60 if quick else 300
    runs_all = 30 if quick else 100
    warmup = 10

    def request(person: Any, name: str, text: str) -> CommandRequest:
        _, _, team, user, display, tz = person
        return CommandRequest(name, text, Actor("slack", team, user, display, tz), Where("C0COHORT", "cohort"), NOW,
                              "slack:command")

    def check(reply: Any) -> None:
        if not reply.ok:
            raise RuntimeError(f"benchmark command failed: {reply}")

    week0, month0 = week_start(END), END.replace(day=1)
    periods = [("week", week0, runs), ("month", month0, runs), ("all", None, runs_all)]
    table = Table(
        f"Leaderboard and /progress: {len(people):,} active members, {len(cohort_rows)} cohorts, {n_acts:,} "
        f"activities ({size_mb:,.0f} MB file)",
        ["query", "path", "median ms", "p95 ms", "vs fastest minimal SQL (median)", "rows"],
        note=(f"Clock frozen at {NOW:%a %d %b %Y %H:%M} UTC. Each run asks as a random member of a random cohort "
              f"({runs} runs, {runs_all} for all time, after {warmup} warm-up runs; the paths of one query "
              "interleaved 10 runs at a time). "
              + (f"Database generated in {generated:.0f} s." if generated
                 else "Database from the cache in bench/out/.")),
    )
    medians: dict[tuple[str, str], float] = {}
    plans: list[list[str]] = []
    for period, start, n in periods:
        lower = start.isoformat() if start else "0000-01-01"
        text = "" if period == "week" else period

        def via_dispatch(i: int, text: str = text) -> None:
            check(dispatch(request(cohort_picks[i % 5000], "leaderboard", text), deps))

        def via_board(i: int, start: date | None = start) -> None:
            board.board(deps.db, cohort_picks[i % 5000][1], start, END)

        def minimal(i: int, lower: str = lower, all_time: bool = start is None) -> None:
            if all_time:
                raw.execute(MINIMAL_ALL_TIME, [cohort_picks[i % 5000][1]]).fetchall()
            else:
                raw.execute(MINIMAL_BOARD, [cohort_picks[i % 5000][1], lower, END.isoformat()]).fetchall()

        def minimal_totals(i: int) -> None:
            raw.execute(MINIMAL_ALL_TIME_TOTALS, [cohort_picks[i % 5000][1]]).fetchall()

        rows = len(board.board(deps.db, cohort_rows[0][0], start, END))
        fns: dict[str, Callable[[int], Any]] = {"dispatch": via_dispatch, "board()": via_board,
                                                 "minimal SQL, from the entries": minimal}
        if start is None:
            fns["minimal SQL, from member_totals"] = minimal_totals
        times = timed(fns, n, warmup)
        base = min((median(t) for k, t in times.items() if k.startswith("minimal")))  # the faster by hand
        medians[(period, "minimal SQL")] = base
        for label in ("dispatch", "board()", *(k for k in times if k.startswith("minimal"))):
            medians[(period, label)] = median(times[label])
            table.add(f"/leaderboard {period}", label, median(times[label]), pct(times[label], 95),
                      median(times[label]) / base, rows)
        plans.append([f"/leaderboard {period}", executed_plan(deps.db, functools.partial(
            board.board, deps.db, cohort_rows[0][0], start, END))])

    # The command's fixed cost: /leaderboard through dispatch with the board query answering nothing.
    real_board = board.board
    board.board = lambda *a, **k: []  # type: ignore[assignment]
    try:
        def stubbed(i: int) -> None:
            check(dispatch(request(cohort_picks[i % 5000], "leaderboard", ""), deps))

        fixed = timed({"fixed": stubbed}, runs, warmup)["fixed"]
    finally:
        board.board = real_board
    medians[("fixed", "dispatch")] = median(fixed)
    table.add("/leaderboard week", "dispatch, query stubbed out (a command's fixed cost)", median(fixed),
              pct(fixed, 95), float("nan"), 0)

    def progress(i: int) -> None:
        check(dispatch(request(picks[i % 5000], "progress", ""), deps))

    def progress_minimal(i: int) -> None:
        member_id = picks[i % 5000][0]
        raw.execute(MINIMAL_PROGRESS[0], [member_id, week0.isoformat(), END.isoformat()]).fetchall()
        raw.execute(MINIMAL_PROGRESS[1], [member_id, END.isoformat()]).fetchall()
        raw.execute(MINIMAL_PROGRESS[2], [member_id]).fetchall()

    both = timed({"dispatch": progress, "minimal": progress_minimal}, runs, warmup)
    by_hand, prog = both["minimal"], both["dispatch"]
    medians[("progress", "dispatch")] = median(prog)
    medians[("progress", "minimal SQL")] = median(by_hand)
    table.add("/progress", "dispatch", median(prog), pct(prog, 95), median(prog) / median(by_hand), "")
    table.add("/progress", "minimal SQL", median(by_hand), pct(by_hand, 95), 1.0, "")
    plan_table = Table("Query plans (EXPLAIN QUERY PLAN of storage.board.board)", ["query", "plan"], plans)
    raw.close()
    deps.db.conn.close()

    week_ms, all_ms = medians[("week", "dispatch")], medians[("all", "dispatch")]
    worst = max((medians[(p, "dispatch")] / medians[(p, "minimal SQL")], p) for p in ("week", "month", "all",
                                                                                         "progress"))
    worst_board = max((medians[(p, "board()")] / medians[(p, "minimal SQL")], p) for p in ("week", "month", "all"))
    fixed_ms = medians[("fixed", "dispatch")]
    targets = [
        Target("leaderboard: weekly", "≤ 2 ms", f"{week_ms:.2f} ms median (dispatch)", week_ms <= 2,
               f"{(1 - week_ms / 2) * 100:.0f}% under" if week_ms <= 2 else f"{week_ms - 2:.2f} ms over"),
        Target("leaderboard: all time", "≤ 10 ms", f"{all_ms:.2f} ms median (dispatch)", all_ms <= 10,
               f"{(1 - all_ms / 10) * 100:.0f}% under" if all_ms <= 10 else f"{all_ms - 10:.2f} ms over"),
        Target("leaderboard: board() vs minimal SQL", "≤ 1.5x",
               f"≤ {worst_board[0]:.2f}x (highest: {worst_board[1]})", worst_board[0] <= 1.5,
               "storage.board.board against the fastest hand-written SQL for the same rows"),
        Target("leaderboard: whole command vs minimal SQL", "≤ 1.5x",
               f"≤ {worst[0]:.2f}x (highest: {worst[1]})", worst[0] <= 1.5,
               "within 1.5x" if worst[0] <= 1.5 else
               f"a command's fixed cost ({fixed_ms:.2f} ms: its transaction, finding the member, the Reply; "
               "measured with the query stubbed out) is as large as the hand-written query itself"),
    ]
    return Result("leaderboard", [table, plan_table], targets, time.perf_counter() - started)


def executed_plan(db: Any, call: Callable[[], Any]) -> str:
    """EXPLAIN QUERY PLAN of the SELECTs `call` runs (traced, so it is what storage really executes)."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        call()
    finally:
        db.conn.set_trace_callback(None)
    return " | ".join("; ".join(r[3] for r in db.conn.execute("EXPLAIN QUERY PLAN " + sql))
                      for sql in statements if sql.lstrip().upper().startswith("SELECT"))


if __name__ == "__main__":
    res = run("--quick" in sys.argv)
    for t in res.tables:
        t.print()
    for target in res.targets:
        print(target.row())
