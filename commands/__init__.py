"""Commands: one module per command, listed in one explicit registry.

Each module has NAME, USAGE, EXAMPLES (two real ones), `parse(text, today) -> Args` raising UsageError,
and `run(args, ctx) -> Reply`. The first line of its docstring is its help text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from types import ModuleType
from typing import Any

from commands import cohort, interview, leaderboard, network, progress
from commands.context import Context
from commands.model import Reply


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    examples: tuple[str, ...]
    summary: str
    parse: Callable[[str, date], Any]
    run: Callable[[Any, Context], Reply]

    @classmethod
    def of(cls, module: ModuleType) -> CommandSpec:
        doc = (module.__doc__ or "").strip().splitlines()[0]
        summary = doc.split(":", 1)[0].strip() + "."
        return cls(module.NAME, module.USAGE, tuple(module.EXAMPLES), summary, module.parse, module.run)


REGISTRY: dict[str, CommandSpec] = {
    spec.name: spec
    for spec in (CommandSpec.of(m) for m in (interview, network, leaderboard, progress, cohort))
}

__all__ = ["REGISTRY", "CommandSpec"]
