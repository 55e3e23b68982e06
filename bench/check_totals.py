"""Check that the leaderboard's derived tables (member_days, member_totals) always equal the entries.

    python -m bench.check_totals [SEED ...]

Runs 1,500 random commands through `commands.dispatch` (log past and future entries, edit, delete, undo, confirm
or cancel planned entries, thank-you notes; two workspaces, members in three timezones, the clock moving on) and
every 50 commands compares, for every cohort and member:
  - `storage.board.board(..., None, end)` (all time, from the totals) with the sums over the entries, for ends
    in the past, today and the future;
  - `member_sums` and `active_days` (from member_days) with the same questions asked of the entries;
  - the stored totals with `storage.board.rebuild_totals` (a recomputation from scratch).
Exits non-zero on the first difference. Not part of the benchmark run; a candidate for tests/.
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from commands.dispatch import dispatch  # noqa: E402
from commands.model import Actor, CommandRequest, Deps, Where  # noqa: E402
from storage import board, open_db  # noqa: E402

ALL_TIME_FROM_ENTRIES = """
SELECT m.id, s.points, s.interviews, s.meetings FROM (
    SELECT member_id, SUM(points) AS points, SUM(kind = 'interview') AS interviews,
           SUM(kind = 'networking') AS meetings
    FROM activities WHERE cohort_id = ? AND happened_on <= ? AND deleted_at IS NULL AND status = 'done'
    GROUP BY member_id) AS s JOIN members AS m ON m.id = s.member_id
ORDER BY s.points DESC, s.interviews + s.meetings DESC, m.id
"""
SUMS_FROM_ENTRIES = (
    "SELECT COALESCE(SUM(points), 0), COALESCE(SUM(kind = 'interview'), 0), COALESCE(SUM(kind = 'networking'), 0) "
    "FROM activities WHERE member_id = ? AND deleted_at IS NULL AND status = 'done' AND happened_on BETWEEN ? AND ?"
)
DAYS_FROM_ENTRIES = (
    "SELECT DISTINCT happened_on FROM activities WHERE member_id = ? AND deleted_at IS NULL AND status = 'done' "
    "AND happened_on <= ? ORDER BY happened_on DESC"
)


def check(seed: int, steps: int = 1500) -> str:
    rng = random.Random(seed)
    clock = [datetime(2026, 11, 20, 15, tzinfo=UTC)]
    with tempfile.TemporaryDirectory(prefix="cohortbot-check-") as tmp:
        db = open_db(Path(tmp) / "check.db")
        deps = Deps(db=db, clock=lambda: clock[0])
        orgs = ["Latham", "Skadden", "Ropes & Gray", "Cravath", "Jones Day"]
        whens = ["", "yesterday", "mon", "tue", "last fri", "next mon", "next wed", "nov 10", "12/01"]
        edits = ["date yesterday", "org Cravath", "stage offer", "date next tue", "org Latham"]
        ok = 0
        for step in range(steps):
            r = rng.random()
            if r < 0.4:
                stage = rng.choice(["screener", "offer", ""])
                name, text = "interview", f"{rng.choice(orgs)} {stage} {rng.choice(whens)}"
            elif r < 0.6:
                kind = rng.choice(["coffee", "event", ""])
                name, text = "network", f'"{rng.choice(orgs)}" {kind} {rng.choice(whens)}'
            elif r < 0.68:
                name, text = "cohort", "undo"
            elif r < 0.76:
                name, text = "cohort", f"delete {rng.randrange(1, 200)}"
            elif r < 0.84:
                name, text = "cohort", f"edit {rng.randrange(1, 200)} {rng.choice(edits)}"
            elif r < 0.92:
                name, text = "cohort", f"happened {rng.randrange(1, 200)} {rng.choice(['yes', 'cancelled'])}"
            else:
                name, text = "cohort", f"thanks {rng.randrange(1, 200)}"
            user = f"U{rng.randrange(6)}"
            actor = Actor("slack", rng.choice(["T1", "T2"]), user, user,
                          rng.choice(["America/New_York", "Pacific/Honolulu", "Asia/Tokyo"]))
            ok += dispatch(CommandRequest(name, text.strip(), actor, Where("C1"), clock[0]), deps).ok
            if rng.random() < 0.05:
                clock[0] += timedelta(hours=rng.randrange(1, 48))
            if step % 50 and step != steps - 1:
                continue
            today = clock[0].date()
            for (cohort_id,) in db.execute("SELECT id FROM cohorts").fetchall():
                for end in (date(2026, 11, 1), today - timedelta(days=1), today, today + timedelta(days=3)):
                    got = [(b.member_id, b.points, b.interviews, b.meetings) for b in board.board(db, cohort_id, None,
                                                                                                  end)]
                    want = [tuple(row) for row in db.execute(ALL_TIME_FROM_ENTRIES, [cohort_id, end.isoformat()])]
                    assert got == want, (seed, step, cohort_id, end, got, want)
            for (member_id,) in db.execute("SELECT id FROM members").fetchall():
                for start, end in ((date(2026, 11, 16), date(2026, 11, 22)), (date(2026, 11, 1), today),
                                   (date(2026, 1, 1), date(2027, 1, 1))):
                    sums = board.member_sums(db, member_id, start, end)
                    assert sums is not None
                    want_sums = db.execute(SUMS_FROM_ENTRIES, [member_id, start.isoformat(), end.isoformat()])
                    assert (sums.points, sums.interviews, sums.meetings) == tuple(want_sums.fetchone()), (seed, step)
                for until in (today, date(2027, 1, 1), date(2026, 11, 15)):
                    want_days = [date.fromisoformat(r[0]) for r in db.execute(DAYS_FROM_ENTRIES,
                                                                                [member_id, until.isoformat()])]
                    assert board.active_days(db, member_id, until) == want_days, (seed, step, member_id)
            stored = (sorted(db.execute("SELECT * FROM member_days").fetchall()),
                      sorted(r for r in db.execute("SELECT * FROM member_totals").fetchall() if any(r[2:])))
            board.rebuild_totals(db)
            rebuilt = (sorted(db.execute("SELECT * FROM member_days").fetchall()),
                       sorted(db.execute("SELECT * FROM member_totals").fetchall()))
            assert stored == rebuilt, (seed, step, "derived tables drifted from the entries")
        entries = db.execute("SELECT COUNT(*), SUM(status = 'planned'), SUM(deleted_at IS NOT NULL) "
                             "FROM activities").fetchone()
        db.conn.close()
    return (f"seed {seed}: {ok} of {steps} commands succeeded; {entries[0]} entries ({entries[1]} planned, "
            f"{entries[2]} deleted); totals always matched")


if __name__ == "__main__":
    for seed in [int(a) for a in sys.argv[1:]] or [1, 2, 3]:
        print(check(seed), flush=True)
