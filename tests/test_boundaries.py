"""The import boundary: the command core and storage (and the nudge planner) never import a chat platform's SDK
or the web server, so a new platform is one new transport file and every core test runs without them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("slack_bolt", "slack_sdk", "aiohttp", "microsoft_agents", "botbuilder", "botframework")
CORE = ("commands", "storage")
EXTRA = ("bot/nudges.py", "bot/situations.py", "bot/coordinator.py")


def core_files() -> list[Path]:
    files = [p for package in CORE for p in sorted((ROOT / package).rglob("*.py"))]
    files += [ROOT / extra for extra in EXTRA if (ROOT / extra).exists()]
    return files


def forbidden_imports(source: str) -> list[str]:
    """Every forbidden module the source imports: import x, from x import y, importlib/__import__ of a literal."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        found += [name for name in names if name.split(".")[0] in FORBIDDEN]
    return found


def test_the_walker_finds_what_it_must() -> None:
    source = (
        "import os\nimport slack_sdk.web\nfrom aiohttp import web\nfrom slack_bolt.async_app import AsyncApp\n"
        "import importlib\nimportlib.import_module('botbuilder.core')\n__import__('microsoft_agents')\n"
        "def f():\n    from slack_sdk import WebClient\n"
        "from .aiohttp import nothing  # a relative module of ours is fine\n"
    )
    assert forbidden_imports(source) == ["slack_sdk.web", "aiohttp", "slack_bolt.async_app", "botbuilder.core",
                                         "microsoft_agents", "slack_sdk"]
    assert forbidden_imports("import sqlite_utils\nfrom commands.model import Reply\n") == []


def test_core_files_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in core_files()}
    assert {"commands/dispatch.py", "commands/model.py", "storage/db.py", "storage/activities.py"} <= names


@pytest.mark.parametrize("path", core_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_platform_imports(path: Path) -> None:
    assert forbidden_imports(path.read_text(encoding="utf-8")) == []


def test_importing_the_core_loads_no_platform_module() -> None:
    """The same rule at run time: importing every core module (and what they import) pulls in none of them."""
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in core_files()]
    modules = [m.removesuffix(".__init__") for m in modules]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n    importlib.import_module(name)\n"
        f"print(sorted({{m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}}}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
