"""One row of the /cohort table: a subcommand's names, its words for help, its typed args with their parser and
runner, and what it needs (a coordinator; a fresh word from the platform on who is a workspace admin).

The rows live beside what they do (membership.py, entries.py, reminders.py, admin.py, help.py); the package's
`__init__` lists them once, and help, usage errors and "did you mean" are made from that list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from commands.context import Context
from commands.model import Reply
from commands.parsing import UsageError
from storage import members

P = TypeVar("P")


@dataclass(frozen=True)
class Subcommand(Generic[P]):
    name: str
    summary: str  # one line, for /cohort help
    usage: str  # "/cohort goal <n>"
    example: str  # one that works, like "/cohort goal 4"
    args: type[P]  # a small frozen dataclass
    parse: Callable[[str, date], P]  # the words after the name -> args, or a UsageError
    run: Callable[[P, Context], Reply] | None  # None only for help, which reads the table itself
    aliases: tuple[str, ...] = ()
    details: tuple[str, ...] = ()  # more lines for /cohort help <name>
    admin: bool = False  # only a coordinator (a cohort admin) or a workspace admin may run it...
    first_admin_may: bool = False  # ...except while the workspace has no coordinator (setup, create make the first)
    refusal: str = ""  # what anyone else is told
    fresh_admin_check: bool = False  # the transport asks the platform afresh whether the asker is a workspace admin

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Nothing:
    """The args of a subcommand that takes none."""


def takes_nothing(name: str) -> Callable[[str, date], Nothing]:
    """A parser for a subcommand with no options: anything after its name is a mistake."""

    def parse(rest: str, today: date) -> Nothing:
        if rest:
            raise UsageError(f"/cohort {name} takes nothing after it.")
        return Nothing()

    return parse


def ignores_the_rest(rest: str, today: date) -> Nothing:
    """A parser for a subcommand with no options that forgives words after it (they change nothing)."""
    return Nothing()


def is_admin(ctx: Context) -> bool:
    """A coordinator (a cohort admin: they run every cohort of their workspace), or (as the platform said) a
    workspace admin."""
    return ctx.member.is_admin or ctx.request.actor.is_workspace_admin


def may_run(row: Subcommand[Any], ctx: Context) -> bool:
    if not row.admin or is_admin(ctx):
        return True
    return row.first_admin_may and not members.coordinators(ctx.deps.db, ctx.membership.workspace_key)
