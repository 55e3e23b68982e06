"""Helpers shared by the benchmarks: paths, free ports, percentiles, tables, processes, the machine."""

from __future__ import annotations

import contextlib
import http.client
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"  # gitignored: generated databases, server logs, raw results
if str(ROOT) not in sys.path:  # `python bench/run.py` puts bench/ first, not the project
    sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret-0123456789abcdef"
TOKEN = "xoxb-bench-token"


def out_dir(*parts: str) -> Path:
    path = OUT.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank on sorted data; p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1)))))
    return ordered[k]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# ---- tables ------------------------------------------------------------------------------------------

@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""

    def add(self, *cells: Any) -> None:
        self.rows.append(list(cells))

    def markdown(self) -> str:
        def cell(v: Any) -> str:
            if isinstance(v, float):
                if v != v:  # nan
                    return "–"
                return f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"
            return str(v)

        lines = [f"**{self.title}**", "", "| " + " | ".join(self.columns) + " |",
                 "|" + "|".join("---" if i == 0 else "---:" for i in range(len(self.columns))) + "|"]
        for row in self.rows:
            lines.append("| " + " | ".join(cell(v) for v in row) + " |")
        if self.note:
            lines += ["", self.note]
        return "\n".join(lines)

    def print(self) -> None:
        print()
        print(self.markdown())
        print(flush=True)


@dataclass
class Target:
    name: str
    goal: str
    measured: str
    met: bool
    how: str = ""  # by how much, and why when missed
    reported_only: bool = False  # a measurement without a target

    def row(self) -> list[Any]:
        result = "reported" if self.reported_only else "met" if self.met else "**missed**"
        return [self.name, self.goal, self.measured, result, self.how]


@dataclass
class Result:
    name: str
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    seconds: float = 0.0


# ---- processes ---------------------------------------------------------------------------------------

def cohortbot_exe() -> list[str]:
    """The installed `cohortbot` console script beside this interpreter (else `python -m bot`)."""
    beside = Path(sys.executable).with_name("cohortbot")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("cohortbot")
    return [found] if found else [sys.executable, "-m", "bot"]


def healthy(port: int, timeout: float = 0.2) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def wait_healthy(port: int, proc: subprocess.Popen[bytes], deadline: float = 30.0, poll: float = 0.005) -> float:
    """Seconds until GET /healthz answers 200 (raises if the process dies or the deadline passes)."""
    start = time.perf_counter()
    while True:
        if healthy(port):
            return time.perf_counter() - start
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before it was healthy")
        if time.perf_counter() - start > deadline:
            raise RuntimeError(f"server on port {port} not healthy after {deadline}s")
        time.sleep(poll)


def spawn(argv: list[str], env: dict[str, str], log_name: str) -> subprocess.Popen[bytes]:
    log = open(out_dir("logs") / log_name, "ab")  # noqa: SIM115 - closed with the process
    full_env = {**os.environ, **env}
    full_env.setdefault("PYTHONPATH", str(ROOT))
    proc = subprocess.Popen(argv, env=full_env, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    log.close()
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process this benchmark started (by its own pid): SIGTERM, then SIGKILL."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@contextlib.contextmanager
def running(argv: list[str], env: dict[str, str], log_name: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    proc = spawn(argv, env, log_name)
    try:
        wait_healthy(port, proc)
        yield proc
    finally:
        stop(proc)


# ---- the machine -------------------------------------------------------------------------------------

def machine() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    import sqlite3

    import aiohttp
    import slack_bolt
    import slack_sdk

    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "sqlite": sqlite3.sqlite_version,
        "aiohttp": aiohttp.__version__,
        "slack_bolt": slack_bolt.version.__version__,
        "slack_sdk": slack_sdk.version.__version__,
    }


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM; ru_maxrss as a fallback), in MiB."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")
