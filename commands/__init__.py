"""Commands: one module per command, listed in one explicit registry.

Each module has NAME, USAGE, EXAMPLES (two real ones), `parse(text, today) -> Args` raising UsageError,
and `run(args, ctx) -> Reply`; optionally VOCABULARY, the words it takes. The first line of its docstring is its help
text.

/cohort help lists every command, but `commands.cohort` must not import this registry (which imports it): the
registry hands the other commands' lines down to `cohort.run` as its `others` parameter instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from types import ModuleType
from typing import Any

from commands import cohort, interview, leaderboard, network, progress
from commands.cohort.help import CommandHelp
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
    vocabulary: str = ""

    @classmethod
    def of(cls, module: ModuleType) -> CommandSpec:
        doc = (module.__doc__ or "").strip().splitlines()[0]
        summary = doc.split(":", 1)[0].strip() + "."
        return cls(module.NAME, module.USAGE, tuple(module.EXAMPLES), summary, module.parse, module.run,
                   getattr(module, "VOCABULARY", ""))

    def help(self) -> CommandHelp:
        return CommandHelp(self.name, self.usage, self.summary, self.examples[0], self.vocabulary)


def _registry(*modules: ModuleType) -> dict[str, CommandSpec]:
    specs = [CommandSpec.of(m) for m in modules]
    others = tuple(spec.help() for spec in specs if spec.name != cohort.NAME)
    return {spec.name: replace(spec, run=functools.partial(cohort.run, others=others))
            if spec.name == cohort.NAME else spec for spec in specs}


REGISTRY: dict[str, CommandSpec] = _registry(interview, network, leaderboard, progress, cohort)


def needs_fresh_admin_check(name: str, text: str) -> bool:
    """Whether the transport must ask the platform afresh if the asker is a workspace admin before dispatching
    `/name text` (/cohort setup and admin); False for every other command."""
    return name.strip().lstrip("/").lower() == cohort.NAME and cohort.needs_fresh_admin_check(text)


__all__ = ["REGISTRY", "CommandSpec", "needs_fresh_admin_check"]
