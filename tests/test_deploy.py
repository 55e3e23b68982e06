"""The deploy files run what they say: the Dockerfile's and compose.yaml's command, environment and health check,
and the systemd unit's ExecStart, each run here as a real process on a loopback port with a temporary database.

There is no container engine here, so the image is not built; the test reads the Dockerfile's ENV, CMD and
HEALTHCHECK and compose's command, environment and healthcheck, and runs exactly that command line (with the
secrets a deployment keeps in its .env pointed at the fake Slack). The reverse proxy files route exactly the
server's three paths; with Caddy installed, a real Caddy proxies to a real server.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
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
import yaml  # type: ignore[import-untyped,unused-ignore]

from bot.app import build_app, build_deps
from bot.config import Settings
from tests.fakeslack import FakeSlack
from tests.processes import free_port
from tests.test_serve_e2e import SECRET, TOKEN, clean_env

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
ROUTES = {"/slack/events", "/slack/install", "/slack/oauth_redirect", "/api/messages", "/healthz"}


def dockerfile() -> tuple[dict[str, str], list[str], list[str]]:
    """ENV (merged), CMD and HEALTHCHECK's CMD of the Dockerfile (exec form, as JSON arrays)."""
    env: dict[str, str] = {}
    cmd: list[str] = []
    health: list[str] = []
    lines = (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    for line in lines:
        word, _, rest = line.strip().partition(" ")
        if word == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(rest)))
        elif word == "CMD":
            cmd = json.loads(rest)
        elif word == "HEALTHCHECK":
            health = json.loads(rest[rest.index("CMD ") + 4:])
    return env, cmd, health


def compose_service() -> dict[str, Any]:
    service: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["cohortbot"]
    return service


def unit(name: str) -> dict[str, list[str]]:
    """A systemd unit's settings, each key with every value it was given (comments and sections dropped)."""
    found: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def unit_environment(settings: dict[str, list[str]]) -> dict[str, str]:
    return dict(pair.split("=", 1) for value in settings.get("Environment", []) for pair in shlex.split(value))


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack.start_in_thread() as server:
        yield server


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as problem:
        return problem.code


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if get(url) == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    pytest.fail(f"{url} did not answer 200 within 30 s:\n{log.read_text()}")


def run_server(argv: list[str], env: dict[str, str], cwd: Path, port: int) -> str:
    """Run `argv` until /healthz answers 200, run the health check command, stop it; return its output."""
    log = cwd / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz", process, log)
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=20)
    assert code == 0, log.read_text()
    return log.read_text()


def local(argv: list[str]) -> list[str]:
    """The command as installed here: the image's and the unit's `cohortbot` is this environment's."""
    program = shutil.which(Path(argv[0]).name, path=str(BIN))
    assert program, f"{argv[0]} is not installed in {BIN}"
    return [program, *argv[1:]]


def test_the_image_command_runs_and_answers_healthz_and_its_health_check_passes(fake: FakeSlack,
                                                                                tmp_path: Path) -> None:
    image_env, cmd, health = dockerfile()
    service = compose_service()
    assert service["command"] == cmd == ["cohortbot", "serve"]
    assert service["healthcheck"]["test"] == ["CMD", *health]
    volume_dirs = {v.split(":")[1] for v in service["volumes"]}
    db = service["environment"]["COHORTBOT_DB"]
    assert image_env["COHORTBOT_DB"] == db and str(Path(db).parent) in volume_dirs  # the record lives in the volume
    assert Path(service["environment"]["COHORTBOT_BACKUP_DIR"]).is_relative_to(Path(db).parent)

    port = free_port()
    env = clean_env(**{**image_env, **{k: str(v) for k, v in service["environment"].items()}})
    env.update(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.url,  # what .env holds
               COHORTBOT_DB=str(tmp_path / "cohortbot.db"), COHORTBOT_BACKUP_DIR=str(tmp_path / "backups"),
               PORT=str(port), HOST="127.0.0.1")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(local(cmd), cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz", process, log)
            checked = subprocess.run(local(health), env=env, capture_output=True, text=True, timeout=30)
            assert checked.returncode == 0, checked
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=20)
    assert code == 0, log.read_text()
    assert all(json.loads(line) for line in log.read_text().splitlines())  # LOG_FORMAT=json in the image
    assert (tmp_path / "backups").is_dir()
    gone = subprocess.run(local(health), env=env, capture_output=True, text=True, timeout=30)
    assert gone.returncode == 1 and "healthz" in gone.stderr


def test_the_systemd_unit_runs_its_exec_start_and_is_hardened(fake: FakeSlack, tmp_path: Path) -> None:
    settings = unit("cohortbot.service")
    one = {key: values[-1] for key, values in settings.items()}
    assert one["Restart"] == "on-failure" and one["User"] == "cohortbot" and one["EnvironmentFile"].startswith("/")
    assert one["NoNewPrivileges"] == "yes" and one["ProtectSystem"] == "strict" and one["PrivateTmp"] == "yes"
    environment = unit_environment(settings)
    state = Path(one["WorkingDirectory"])
    writable = [Path(p) for value in settings["ReadWritePaths"] for p in value.split()]
    assert state == Path("/var/lib/cohortbot") and state in writable
    for name in ("COHORTBOT_DB", "COHORTBOT_BACKUP_DIR"):
        assert any(Path(environment[name]).is_relative_to(w) for w in writable), name
    argv = shlex.split(one["ExecStart"])
    assert argv[1:] == ["serve"]

    port = free_port()
    env = clean_env(**{**environment, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                       "SLACK_API_URL": fake.url, "COHORTBOT_DB": str(tmp_path / "cohortbot.db"),
                       "COHORTBOT_BACKUP_DIR": str(tmp_path / "backups"), "PORT": str(port)})
    assert env["HOST"] == "127.0.0.1"  # behind the reverse proxy: loopback only
    output = run_server(local(argv), env, tmp_path, port)
    assert all(json.loads(line) for line in output.splitlines())


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_accepts_the_units(tmp_path: Path) -> None:
    for name in ("cohortbot.service", "litestream.service"):
        text = (DEPLOY / name).read_text().replace("/opt/cohortbot/bin/", f"{BIN}/")
        (tmp_path / name).write_text(text)
    if not (BIN / "litestream").exists():
        (tmp_path / "litestream.service").unlink()
    done = subprocess.run(["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.glob("*.service"))],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_reverse_proxy_files_route_exactly_the_servers_paths(tmp_path: Path) -> None:
    deps = build_deps(Settings(db_path=str(tmp_path / "c.db")))
    many = Settings(db_path=str(tmp_path / "c.db"), slack_client_id="1.2", slack_client_secret="s",
                    slack_signing_secret="x")  # serving many workspaces adds the install routes
    served = {r.canonical for settings in (Settings(), many) for r in build_app(settings, deps).router.resources()}
    assert served == ROUTES
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert ("@bot path /slack/events /slack/install /slack/oauth_redirect /api/messages /healthz" in caddy
            and "reverse_proxy 127.0.0.1:3000" in caddy)
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert {line.split()[2] for line in nginx.splitlines() if line.strip().startswith("location = ")} == ROUTES
    assert "server 127.0.0.1:3000;" in nginx and "ssl_certificate " in nginx


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed (apt-get install caddy)")
def test_caddy_with_the_caddyfile_proxies_the_bots_routes_and_nothing_else(fake: FakeSlack, tmp_path: Path) -> None:
    backend, front = free_port(), free_port()
    site = (DEPLOY / "Caddyfile").read_text()
    site = site.replace("cohortbot.example.org {", f"http://127.0.0.1:{front} {{")  # no certificate here
    site = site.replace("127.0.0.1:3000", f"127.0.0.1:{backend}")
    (tmp_path / "Caddyfile").write_text("{\n\tadmin off\n}\n" + site)
    env = clean_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.url,
                    COHORTBOT_DB=str(tmp_path / "cohortbot.db"), PORT=str(backend), HOST="127.0.0.1",
                    XDG_DATA_HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path), HOME=str(tmp_path))
    caddy_log = tmp_path / "caddy.log"
    with (tmp_path / "server.log").open("wb") as out, caddy_log.open("wb") as caddy_out:
        server = subprocess.Popen([str(BIN / "cohortbot"), "serve"], cwd=tmp_path, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
        caddy = subprocess.Popen(["caddy", "run", "--config", str(tmp_path / "Caddyfile"), "--adapter", "caddyfile"],
                                 cwd=tmp_path, env=env, stdout=caddy_out, stderr=subprocess.STDOUT)
        try:
            wait_for(f"http://127.0.0.1:{backend}/healthz", server, tmp_path / "server.log")
            wait_for(f"http://127.0.0.1:{front}/healthz", caddy, caddy_log)
            assert get(f"http://127.0.0.1:{front}/") == 404
            assert get(f"http://127.0.0.1:{front}/admin") == 404
            unsigned = urllib.request.Request(f"http://127.0.0.1:{front}/slack/events", data=b"command=/x",
                                              headers={"Content-Type": "application/x-www-form-urlencoded"})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(unsigned, timeout=5)
            assert refused.value.code == 401  # reached the bot, which refused an unsigned request
        finally:
            for process in (caddy, server):
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=20)
