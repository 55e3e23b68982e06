"""Backups and restores (`cohortbot backup`, `cohortbot restore`, the nightly job in `serve`).

- A backup taken while another connection writes hundreds of commands through `commands.dispatch` is whole:
  integrity ok, and every row it holds is consistent (stored points, the derived board tables and applications
  equal a recomputation, with the checker of tests/test_board_totals.py); a backup taken after the writes has
  every row.
- A half-written backup never carries the final name.
- Restore refuses a damaged file, a file that is not a database, a database that is not cohortbot's, and a
  database a running `cohortbot serve` holds; with --force it replaces it under the running server, which
  carries on from the restored record; the replaced database is kept.
- The nightly job keeps exactly N copies, runs in a worker thread, and is scheduled daily at its UTC hour.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings, SettingsError
from commands.dispatch import dispatch
from commands.model import Actor, CommandRequest, Deps, Where
from storage import backup as backups
from storage import open_db
from tests.conftest import say
from tests.fakeslack import FakeSlack
from tests.processes import free_port
from tests.test_board_totals import command, compare
from tests.test_serve_e2e import ROOT, SECRET, TOKEN, Server, clean_env

NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)


def rows(path: Path, table: str = "activities") -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


def count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM activities").fetchone()[0])


def seeded(path: Path, entries: int = 3) -> Path:
    deps = Deps(db=open_db(path), clock=lambda: NOW)
    for n in range(entries):
        say(deps, "alice", f"/interview Firm{n} callback")
    deps.db.conn.close()
    return path


class Writer(threading.Thread):
    """Random commands through `commands.dispatch` on its own connection, as the server would write them."""

    def __init__(self, path: Path, steps: int, seed: int) -> None:
        super().__init__(daemon=True)
        self.path, self.steps, self.seed = path, steps, seed
        self.done_steps = 0
        self.clock = [NOW]
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            rng = random.Random(self.seed)
            db = open_db(self.path)
            deps = Deps(db=db, clock=lambda: self.clock[0])
            for _ in range(self.steps):
                name, text = command(rng)
                user = f"U{rng.randrange(6)}"
                actor = Actor("slack", rng.choice(["T1", "T2"]), user, user,
                              rng.choice(["America/New_York", "Pacific/Honolulu", "Asia/Tokyo"]))
                dispatch(CommandRequest(name, text.strip(), actor, Where("C1"), self.clock[0]), deps)
                if rng.random() < 0.05:
                    self.clock[0] += timedelta(hours=rng.randrange(1, 72))
                self.done_steps += 1
            db.conn.close()
        except BaseException as problem:  # reported by the test
            self.failure = problem


def test_a_backup_taken_during_hundreds_of_writes_is_whole_and_one_after_them_has_every_row(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    open_db(live).conn.close()
    writer = Writer(live, steps=1500, seed=7)
    taken: list[tuple[Path, int, int]] = []  # (copy, writer's steps before, after)
    writer.start()
    while writer.is_alive() and len(taken) < 200:
        before = writer.done_steps
        copy = backups.backup(live, tmp_path / f"during-{len(taken)}.db")
        taken.append((copy.path, before, writer.done_steps))
        assert copy.activities == count(copy.path)
    writer.join(timeout=120)
    assert writer.failure is None, writer.failure
    assert writer.done_steps == 1500

    during = [t for t in taken if t[1] < 1500]
    assert len(during) >= 3, taken
    assert any(after > before for _, before, after in during), "no backup overlapped a write"
    final_rows = count(live)
    assert any(0 < count(path) < final_rows for path, _, _ in during), "every backup was empty or complete"
    for path, before, _ in during:
        copy_db = open_db(path)
        assert copy_db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        compare(copy_db, 7, before, writer.clock[0].date())  # stored points and derived tables are consistent
        copy_db.conn.close()

    after = backups.backup(live, tmp_path / "after.db")
    for table in ("activities", "members", "applications", "member_days", "member_totals", "journal"):
        assert rows(after.path, table) == rows(live, table), table
    assert after.activities == final_rows > 100


def test_the_backup_command_prints_one_line_and_the_copy_is_one_self_contained_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    live = seeded(tmp_path / "live.db", entries=4)
    monkeypatch.setenv("COHORTBOT_DB", str(live))

    assert main(["backup", "--out", str(tmp_path / "copy.db")]) == 0

    out = capsys.readouterr().out.strip().splitlines()
    size = (tmp_path / "copy.db").stat().st_size
    assert out == [f"Backup written to {tmp_path / 'copy.db'} ({size} bytes, 4 activities)."]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("copy", ".copy"))) == ["copy.db"]
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert main(["backup", "--out", str(tmp_path)]) == 0  # a folder: a time-stamped file inside it
    assert len(list(tmp_path.glob("cohortbot-*.db"))) == 1


@pytest.mark.parametrize("case", ["no database", "no folder", "onto itself"])
def test_backup_problems_are_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str], case: str) -> None:
    live = tmp_path / "live.db"
    if case != "no database":
        seeded(live)
    out = {"no database": tmp_path / "copy.db", "no folder": tmp_path / "missing" / "copy.db",
           "onto itself": live}[case]
    monkeypatch.setenv("COHORTBOT_DB", str(live))

    assert main(["backup", "--out", str(out)]) == 2

    err = capsys.readouterr().err
    assert err.startswith("cohortbot: ") and err.count("\n") == 1, err
    assert {"no database": "no database at", "no folder": "does not exist",
            "onto itself": "overwrite the database itself"}[case] in err
    assert not live.exists() if case == "no database" else count(live) == 3


def test_a_half_written_backup_never_has_the_final_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live = seeded(tmp_path / "live.db")
    target = tmp_path / "copy.db"

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("storage.backup.os.replace", crash)
    with pytest.raises(backups.BackupError, match="No space left on device"):
        backups.backup(live, target)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if "copy" in p.name] == []  # no partial file left either


# ---- restore ------------------------------------------------------------------------------------------------


def corrupt(path: Path) -> None:
    """Overwrite the activities table's first b-tree page with junk (the file header stays valid)."""
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'activities'").fetchone()[0]
    with path.open("r+b") as raw:
        raw.seek((root - 1) * page_size)
        raw.write(bytes(random.Random(1).randrange(256) for _ in range(page_size)))


@pytest.mark.parametrize("case", ["damaged", "not sqlite", "not cohortbot", "missing"])
def test_restore_refuses_a_file_that_is_not_a_whole_cohortbot_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], case: str) -> None:
    live = seeded(tmp_path / "live.db")
    before = rows(live)
    bad = tmp_path / "bad.db"
    if case == "damaged":
        backups.backup(live, bad)
        corrupt(bad)
    elif case == "not sqlite":
        bad.write_text("these are my notes, not a database\n" * 200)
    elif case == "not cohortbot":
        with sqlite3.connect(bad) as conn:
            conn.execute("CREATE TABLE t (x)")
    monkeypatch.setenv("COHORTBOT_DB", str(live))

    assert main(["restore", str(bad)]) == 2

    err = capsys.readouterr().err
    assert err.startswith("cohortbot: ") and err.count("\n") == 1, err
    assert {"damaged": "damaged", "not sqlite": "is not a SQLite database",
            "not cohortbot": "not a cohortbot database", "missing": "There is no file"}[case] in err, err
    assert rows(live) == before
    assert not list(tmp_path.glob("live.db.replaced-*"))


def test_restore_replaces_the_database_and_keeps_the_replaced_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    live = seeded(tmp_path / "live.db", entries=2)
    backups.backup(live, tmp_path / "two.db")
    deps = Deps(db=open_db(live), clock=lambda: NOW)
    say(deps, "alice", "/interview Later callback")
    deps.db.conn.close()
    three = rows(live)
    monkeypatch.setenv("COHORTBOT_DB", str(live))

    assert main(["restore", str(tmp_path / "two.db")]) == 0

    out = capsys.readouterr().out
    kept = list(tmp_path.glob("live.db.replaced-*"))
    assert len(kept) == 1 and rows(kept[0]) == three
    assert out == f"Restored {live} from {tmp_path / 'two.db'} (2 activities); the database it replaced is kept " \
                  f"as {kept[0]}.\n"
    assert count(live) == 2
    assert open_db(live).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    fresh = tmp_path / "new" / "cohortbot.db"  # restoring onto a machine with no database yet
    fresh.parent.mkdir()
    monkeypatch.setenv("COHORTBOT_DB", str(fresh))
    assert main(["restore", str(tmp_path / "two.db")]) == 0
    assert rows(fresh) == rows(tmp_path / "two.db")


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack.start_in_thread() as server:
        server.add_user("U0001", name="alice", real_name="Alice Smith", display_name="Alice", tz="America/New_York")
        yield server


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def test_restore_refuses_a_database_a_running_server_holds_and_force_replaces_it_under_the_server(
        fake: FakeSlack, tmp_path: Path) -> None:
    live = tmp_path / "cohortbot.db"
    port = free_port()
    env = clean_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.url,
                    COHORTBOT_DB=str(live), PORT=str(port), HOST="127.0.0.1")
    server = Server(env, port, tmp_path / "serve.log")
    try:
        server.wait_healthy()
        for org in ("Latham", "Cravath"):
            assert server.command("/interview", f"{org} callback")["text"].startswith("Logged")
        made = cli("backup", "--out", str(tmp_path / "two.db"), env=env)  # taken while the server runs
        assert made.returncode == 0 and "2 activities" in made.stdout, made
        assert server.command("/interview", "Skadden callback")["text"].endswith("(#3).")

        refused = cli("restore", str(tmp_path / "two.db"), env=env)
        assert refused.returncode == 2
        assert refused.stderr == (f"cohortbot: {live} is in use by a running cohortbot server (pid "
                                  f"{server.process.pid}): stop it first (systemctl stop cohortbot), or pass --force "
                                  "to replace the database under it.\n")
        assert count(live) == 3 and not list(tmp_path.glob("cohortbot.db.replaced-*"))

        forced = cli("restore", str(tmp_path / "two.db"), "--force", env=env)
        assert forced.returncode == 0, forced
        assert "(2 activities)" in forced.stdout and "restart it" in forced.stdout
        assert count(live) == 2
        (kept,) = tmp_path.glob("cohortbot.db.replaced-*")
        assert count(kept) == 3
        # The running server carries on from the restored record: the next entry is #3 again.
        assert server.command("/interview", "Milbank screener")["text"].endswith("(#3).")
    finally:
        assert server.stop() == 0, server.output()
    assert cli("restore", str(tmp_path / "two.db"), env=env).returncode == 0  # the lock went with the server
    assert count(live) == 2


# ---- nightly ------------------------------------------------------------------------------------------------


def test_the_nightly_backup_keeps_exactly_n_and_nothing_else_is_removed(tmp_path: Path) -> None:
    live = seeded(tmp_path / "live.db")
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    (folder / "cohortbot-before-upgrade.db").write_bytes(b"mine too")
    for night in range(9):
        copy, removed = backups.nightly(live, folder, 3, now=datetime(2026, 11, 1 + night, 3, tzinfo=UTC))
        assert copy.activities == 3
        assert len(removed) == (1 if night >= 3 else 0)
    ours = sorted(p.name for p in folder.glob("cohortbot-2026*.db"))
    assert ours == ["cohortbot-20261107T030000Z.db", "cohortbot-20261108T030000Z.db",
                    "cohortbot-20261109T030000Z.db"]
    assert (folder / "notes.txt").exists() and (folder / "cohortbot-before-upgrade.db").exists()
    assert not list(folder.glob(".*"))


async def test_the_nightly_job_backs_up_in_a_worker_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import scheduler

    live = seeded(tmp_path / "live.db")
    threads: list[int] = []
    real = backups.nightly

    def watched(*args: object) -> object:
        threads.append(threading.get_ident())
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(backups, "nightly", watched)
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(ticking())
    await scheduler.nightly_backup(str(live), str(tmp_path / "nightly"), 2)
    ticker.cancel()
    assert threads and threads[0] != threading.get_ident()
    assert ticks > 0  # the event loop kept running while the copy was made
    assert len(list((tmp_path / "nightly").glob("cohortbot-*.db"))) == 1


def test_the_nightly_job_is_scheduled_daily_at_its_utc_hour() -> None:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.scheduler import BACKUP_JOB_ID, add_backup_job

    sched = AsyncIOScheduler(timezone=UTC)
    add_backup_job(sched, "/x/cohortbot.db", "/x/backups", 7, 4)
    (job,) = sched.get_jobs()
    assert job.id == BACKUP_JOB_ID and job.args == ("/x/cohortbot.db", "/x/backups", 7)
    first = job.trigger.get_next_fire_time(None, datetime(2026, 11, 20, 5, tzinfo=UTC))
    second = job.trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    assert (first, second) == (datetime(2026, 11, 21, 4, tzinfo=UTC), datetime(2026, 11, 22, 4, tzinfo=UTC))


def test_backup_settings_are_checked(tmp_path: Path) -> None:
    settings = Settings.from_env({"COHORTBOT_BACKUP_DIR": str(tmp_path), "COHORTBOT_BACKUP_KEEP": "3",
                                  "COHORTBOT_BACKUP_HOUR": "0"})
    assert (settings.backup_dir, settings.backup_keep, settings.backup_hour) == (str(tmp_path), 3, 0)
    defaults = Settings.from_env({})
    assert (defaults.backup_dir, defaults.backup_keep, defaults.backup_hour) == ("", 7, 3)
    for name, value, said in (("COHORTBOT_BACKUP_KEEP", "0", "at least 1"), ("COHORTBOT_BACKUP_HOUR", "24", "0 to 23"),
                              ("COHORTBOT_BACKUP_HOUR", "3am", "whole number")):
        with pytest.raises(SettingsError, match=said):
            Settings.from_env({name: value})


def test_serve_with_a_backup_folder_it_cannot_create_stops_with_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a-file").write_text("")
    for name, value in (("SLACK_BOT_TOKEN", TOKEN), ("SLACK_SIGNING_SECRET", SECRET),
                        ("COHORTBOT_DB", str(tmp_path / "cohortbot.db")),
                        ("COHORTBOT_BACKUP_DIR", str(tmp_path / "a-file" / "backups"))):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)

    assert main(["serve"]) == 2

    err = capsys.readouterr().err
    assert err.startswith("cohortbot: Cannot create the backup folder") and err.count("\n") == 1, err
    assert "COHORTBOT_BACKUP_DIR" in err

