"""LOG_FORMAT=json: one JSON object a line, and no token, secret or note in any log line.

- In process: every record becomes one parseable line with time, level, logger, message (and the request fields
  from `log_request`); Slack tokens, app-level tokens, Bearer credentials, JWTs and configured secrets are
  redacted from messages, arguments, exception text and fields, in text format too.
- A real `cohortbot serve` with LOG_FORMAT=json writes nothing but JSON lines, and neither its bot token nor a
  note typed in a command appears in them.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings, SettingsError
from bot.logs import PAYLOAD_LOGGERS, REDACTED, log_request, new_request_id, setup_logging
from tests.fakeslack import FakeSlack
from tests.processes import free_port
from tests.test_serve_e2e import SECRET, TOKEN, Server, clean_env

BOT_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
APP_TOKEN = "xapp-1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIyOjEyMyIsImF1ZCI6ImJvdCJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in PAYLOAD_LOGGERS}
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    for name, was in levels.items():
        logging.getLogger(name).setLevel(was)
    logging.captureWarnings(False)


def captured(log_format: str, **settings: str) -> tuple[io.StringIO, logging.Logger]:
    out = io.StringIO()
    setup_logging(Settings(log_format=log_format, **settings), out, force=True)  # type: ignore[arg-type]
    return out, logging.getLogger("cohortbot.test")


def test_json_lines_carry_time_level_logger_message_and_request_fields(root_logging: None) -> None:
    out, log = captured("json")
    log.info("cohortbot listening on %s:%s", "127.0.0.1", 3000)
    request_id = new_request_id()
    log_request(log, request_id=request_id, workspace="T0001", command="interview", status="ok", ms=3.14159)
    try:
        raise ValueError("boom\nwith a second line")
    except ValueError:
        log.exception("sweep failed")

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 3
    first, request, failure = lines
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["level"] == "INFO" and first["logger"] == "cohortbot.test"
    assert first["message"] == "cohortbot listening on 127.0.0.1:3000"
    assert first["time"].endswith("Z") and "T" in first["time"]
    assert {k: request[k] for k in ("request_id", "workspace", "command", "status", "ms")} == {
        "request_id": request_id, "workspace": "T0001", "command": "interview", "status": "ok", "ms": 3.1}
    assert failure["level"] == "ERROR" and "ValueError: boom" in failure["error"]


def test_a_request_line_never_carries_command_text(root_logging: None) -> None:
    out, log = captured("json")
    log_request(log, request_id="r1", workspace="T1", command="/interview Latham callback -- she said confidential",
                status=200, ms=1.0)
    (line,) = [json.loads(s) for s in out.getvalue().splitlines()]
    assert line["command"] == "/interview"
    assert "Latham" not in out.getvalue() and "confidential" not in out.getvalue()


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_tokens_and_secrets_are_redacted_from_every_part_of_a_record(root_logging: None, log_format: str) -> None:
    out, log = captured(log_format, slack_signing_secret="8f14e45fceea167a5a36dedd4bea2543",
                        teams_app_password="Qw3~teams.secret-value")
    log.warning(f"auth.test with {BOT_TOKEN} failed")
    log.warning("socket mode with %s refused", APP_TOKEN)
    log.info("headers: {'Authorization': 'Bearer %s'}", "ya29.A0ARrdaM-abc_def/ghi+jkl=")
    log.info("teams token %s, secret %s, password %s", JWT, "8f14e45fceea167a5a36dedd4bea2543",
             "Qw3~teams.secret-value")
    log_request(log, request_id=BOT_TOKEN, workspace="T1", command="interview", status="ok", ms=1)
    try:
        raise RuntimeError(f"Slack said invalid_auth for token {BOT_TOKEN}")
    except RuntimeError:
        log.exception("background Slack work failed")

    text = out.getvalue()
    for secret in (BOT_TOKEN, APP_TOKEN, "ya29.A0ARrdaM", JWT, "8f14e45fceea167a5a36dedd4bea2543", "Qw3~teams"):
        assert secret not in text
    assert text.count(REDACTED) >= 8
    assert "Bearer [redacted]" in text and "auth.test with [redacted] failed" in text
    if log_format == "json":
        assert all(json.loads(line) for line in text.splitlines())


def test_an_unknown_log_format_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LOG_FORMAT", "xml")
    assert main(["backup", "--out", "x.db"]) == 2
    assert capsys.readouterr().err == "cohortbot: LOG_FORMAT must be one of text, json, not 'xml'.\n"
    assert Settings.from_env({"LOG_FORMAT": " JSON "}).log_format == "json"
    assert Settings.from_env({}).log_format == "text"
    with pytest.raises(SettingsError):
        Settings.from_env({"LOG_FORMAT": "yaml"})


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack.start_in_thread() as server:
        server.add_user("U0001", name="alice", real_name="Alice Smith", display_name="Alice", tz="America/New_York")
        yield server


def test_serve_with_log_format_json_writes_only_json_lines_without_token_or_notes(fake: FakeSlack,
                                                                                   tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.url, LOG_FORMAT="json",
                    LOG_LEVEL="DEBUG", COHORTBOT_DB=str(tmp_path / "cohortbot.db"), PORT=str(port), HOST="127.0.0.1")
    server = Server(env, port, tmp_path / "serve.log")
    try:
        server.wait_healthy()
        reply = server.command("/interview", "Latham callback -- partner mentioned a confidential-merger-xyz")
        assert reply["text"].startswith("Logged")
    finally:
        assert server.stop() == 0, server.output()

    output = (tmp_path / "serve.log").read_text()
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert lines, output
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert any(line["message"].startswith("cohortbot listening on 127.0.0.1") for line in lines)
    assert TOKEN not in output and SECRET not in output
    assert "confidential-merger-xyz" not in output
