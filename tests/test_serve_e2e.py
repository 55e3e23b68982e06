"""End to end: `cohortbot serve` as a real process against the fake Slack Web API, stopped and started again.

The server listens on a free loopback port; requests are signed the way Slack signs them and sent with the
standard library's urllib. Entries logged before a SIGTERM are still there after the restart.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakeslack import FakeSlack
from tests.processes import free_port
from tests.slack_signing import sign, slash_command_body

ROOT = Path(__file__).resolve().parents[1]
SECRET = "e2e-signing-secret-0123456789abcdef"
TOKEN = "xoxb-e2e-test"
START_TIMEOUT = 30.0


def clean_env(**values: str) -> dict[str, str]:
    """The test's environment without any cohortbot, Slack or Teams setting, plus `values`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TEAMS_", "COHORTBOT_")) and k not in ("PORT", "HOST")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(values)
    return env


class Server:
    """One `python -m bot serve` process; its output goes to a log file shown when something fails."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path) -> None:
        self.port = port
        self.log_path = log_path
        self.log = log_path.open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"cohortbot serve exited with {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.origin + "/healthz", timeout=1) as response:
                    if response.status == 200 and json.loads(response.read()) == {"ok": True}:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        pytest.fail(f"cohortbot serve did not answer /healthz within {START_TIMEOUT}s:\n{self.output()}")

    def command(self, command: str, text: str, **fields: Any) -> dict[str, Any]:
        """A signed slash command; returns the JSON message in the acknowledgement."""
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        body = slash_command_body(command, escaped, **fields)
        request = urllib.request.Request(self.origin + "/slack/events", data=body.encode(), method="POST",
                                         headers=sign(SECRET, body))
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert response.headers.get_content_type() == "application/json"
            reply: dict[str, Any] = json.loads(response.read())
        return reply

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
                pytest.fail(f"cohortbot serve ignored SIGTERM:\n{self.output()}")
        self.log.close()
        return self.process.returncode


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack.start_in_thread() as server:
        server.add_user("U0001", name="alice", real_name="Alice Smith", display_name="Alice",
                        tz="America/New_York")
        yield server


def test_serve_keeps_entries_across_a_restart(fake: FakeSlack, tmp_path: Path) -> None:
    db_path = tmp_path / "cohortbot.db"
    port = free_port()
    env = clean_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.url,
                    COHORTBOT_DB=str(db_path), PORT=str(port), HOST="127.0.0.1")
    log_path = tmp_path / "serve.log"

    first = Server(env, port, log_path)
    try:
        first.wait_healthy()
        logged = first.command("/interview", "Latham & Watkins callback -- met two partners")
        assert logged["response_type"] == "ephemeral"
        assert logged["text"].startswith("Logged callback interview at Latham &amp; Watkins")
        assert logged["text"].endswith("(#1).")
        met = first.command("/network", '"Dana Lee" informational')
        assert met["text"].startswith("Logged informational") and "Dana Lee" in met["text"]
        assert met["text"].endswith("(#2).")
    finally:
        code = first.stop()
    assert code == 0, first.output()
    assert db_path.exists()

    second = Server(env, port, log_path)
    try:
        second.wait_healthy()
        board = second.command("/leaderboard", "all")
    finally:
        code = second.stop()
    assert code == 0, second.output()

    assert board["response_type"] == "ephemeral"
    text = json.dumps(board["blocks"], ensure_ascii=False)
    table = board["blocks"][1]["text"]["text"].strip("`")
    row = next(line for line in table.splitlines() if "Alice (you)" in line)
    assert row.split()[-3:] == ["6", "1", "1"]  # points, interviews, meetings: both entries survived
    assert "1 interview and 1 meeting from 1 member, 6 points" in text
    # The profile fetched before the restart was stored: users.info was asked once, by the first process.
    assert [c.args["user"] for c in fake.calls_to("users.info")] == ["U0001"]
    assert len(fake.calls_to("auth.test")) == 2  # once per process, Bolt's own check


def test_serve_without_slack_settings_says_how_to_configure_it(tmp_path: Path) -> None:
    env = clean_env(COHORTBOT_DB=str(tmp_path / "cohortbot.db"), PORT=str(free_port()), HOST="127.0.0.1")

    done = subprocess.run([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)

    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert "Slack is not configured" in said
    assert "SLACK_BOT_TOKEN" in said and "SLACK_SIGNING_SECRET" in said
    assert "cohortbot shell" in said
    assert "Traceback" not in said
