"""Problems an operator meets (a database path that is wrong, damaged or read-only, a setting that is not a
value) are one clear line naming what is wrong, exit code 2, no traceback; `/healthz` says 503 when the database
cannot be written.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import DEPS, build_app, build_deps
from bot.config import Settings, SettingsError
from storage import DatabaseUnavailable, open_db

ROOT = Path(__file__).resolve().parents[1]


def cohortbot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "COHORTBOT_"))}
    return subprocess.run([sys.executable, "-m", "bot", *args], env={**clean, **env, "PYTHONPATH": str(ROOT)},
                          cwd=cwd, capture_output=True, text=True, timeout=60)


def corrupt(tmp: Path) -> Path:
    path = tmp / "damaged.db"
    path.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    return path


CASES: dict[str, tuple[Callable[[Path], dict[str, str]], str]] = {
    "a-folder": (lambda tmp: {"COHORTBOT_DB": str(tmp)}, "is a folder"),
    "missing-parent": (lambda tmp: {"COHORTBOT_DB": str(tmp / "no" / "such" / "c.db")}, "does not exist"),
    "damaged-file": (lambda tmp: {"COHORTBOT_DB": str(corrupt(tmp))}, "file is not a database"),
    "pacing-abc": (lambda tmp: {"COHORTBOT_NUDGE_PACING": "abc"}, "COHORTBOT_NUDGE_PACING must be a number"),
    "rate-negative": (lambda tmp: {"COHORTBOT_WORKSPACE_RATE": "-3"}, "COHORTBOT_WORKSPACE_RATE must be zero or"),
    "lease-nan": (lambda tmp: {"COHORTBOT_CLAIM_LEASE": "nan"}, "COHORTBOT_CLAIM_LEASE must be zero or more"),
    "port-word": (lambda tmp: {"PORT": "eighty"}, "PORT must be a whole number"),
    "sweep-zero": (lambda tmp: {"COHORTBOT_SWEEP_SECONDS": "0"}, "COHORTBOT_SWEEP_SECONDS must be at least 1"),
    "log-level": (lambda tmp: {"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
    "timezone": (lambda tmp: {"COHORTBOT_TZ": "Mars/Olympus"}, "COHORTBOT_TZ must be a timezone name"),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", [("nudge", "--dry-run"), ("shell",)])
def test_one_clear_line_and_exit_2(tmp_path: Path, case: str, command: tuple[str, ...]) -> None:
    make_env, expected = CASES[case]
    env = {"COHORTBOT_DB": str(tmp_path / "ok.db"), **make_env(tmp_path)}
    done = cohortbot(*command, env=env, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("cohortbot: ") and expected in lines[0], done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_serve_refuses_a_damaged_database_the_same_way(tmp_path: Path) -> None:
    env = {"COHORTBOT_DB": str(corrupt(tmp_path)), "SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "s",
           "SLACK_API_URL": "http://127.0.0.1:9/api/", "PORT": "1"}
    done = cohortbot("serve", env=env, cwd=tmp_path)
    assert done.returncode == 2 and "file is not a database" in done.stderr and "Traceback" not in done.stderr


def test_the_errors_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable, match=str(tmp_path / "missing")):
        open_db(tmp_path / "missing" / "c.db")
    with pytest.raises(SettingsError, match="COHORTBOT_DAILY_CAP"):
        Settings.from_env({"COHORTBOT_DAILY_CAP": "ten"})


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    settings = Settings(db_path=str(tmp_path / "c.db"))
    deps = build_deps(settings)
    async with TestClient(TestServer(build_app(settings, deps), host="127.0.0.1")) as test_client:
        yield test_client
    deps.db.conn.close()


async def test_healthz_is_503_when_the_database_cannot_be_written(
        client: TestClient[web.Request, web.Application]) -> None:
    assert (await client.get("/healthz")).status == 200
    assert client.app is not None
    deps = client.app[DEPS]
    deps.db.conn.execute("PRAGMA query_only = 1")  # what SQLite reports for a file on a read-only disk
    response = await client.get("/healthz")
    assert response.status == 503
    assert "readonly" in (await response.json())["error"]
    deps.db.conn.execute("PRAGMA query_only = 0")
    assert (await client.get("/healthz")).status == 200
    assert deps.db.execute("SELECT COUNT(*) FROM seen_events").fetchone() == (0,)  # the probe leaves nothing
