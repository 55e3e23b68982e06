"""Shared fixtures for the command core: a migrated database, a frozen clock, and `say` to run one command.

Slack fixtures live beside these (added by the Slack transport's tests); keep this part small.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlite_utils import Database

from commands.dispatch import dispatch
from commands.model import Actor, CommandRequest, Deps, Para, Reply, Table, Where, plain
from storage import open_db

# Friday 27 November 2026, 10:00 in New York (the default timezone).
FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


class FrozenClock:
    """A clock that stands still until a test moves it; Deps calls it like `datetime.now`."""

    def __init__(self, now: datetime = FRIDAY) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime | str) -> None:
        """Stop the clock at `moment` (an aware datetime, or ISO text; naive text means UTC)."""
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        self.now = moment

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def db() -> Database:
    """A blank, migrated in-memory database."""
    return open_db(":memory:")


@pytest.fixture
def make_deps(db: Database) -> Callable[..., Deps]:
    """Build Deps over a frozen clock: `make_deps(now=..., db=..., **Deps fields)`; `deps.clock.set(...)` moves it."""

    def build(now: datetime | str = FRIDAY, **fields: Any) -> Deps:
        clock = FrozenClock()
        clock.set(now)
        fields.setdefault("db", db)
        return Deps(clock=clock, **fields)

    return build


@pytest.fixture
def deps(make_deps: Callable[..., Deps]) -> Deps:
    """Deps on the `db` fixture, the clock frozen at Friday 27 Nov 2026 10:00 New York time."""
    return make_deps()


def clock_of(deps: Deps) -> FrozenClock:
    """The frozen clock inside `deps` (typed, for tests that move time)."""
    assert isinstance(deps.clock, FrozenClock)
    return deps.clock


def say(
    deps: Deps,
    user: str,
    line: str,
    tz: str | None = None,
    platform: str = "shell",
    workspace: str = "local",
) -> Reply:
    """Run `line` (e.g. "/interview Latham callback") as `user`, the way a transport would, and return the Reply."""
    name, _, text = line.strip().lstrip("/").partition(" ")
    request = CommandRequest(
        name=name,
        text=text,
        actor=Actor(platform=platform, workspace_id=workspace, user_id=user, display_name=user, tz=tz),
        where=Where(channel_id="C1", channel_name="cohort"),
        received_at=deps.clock(),
        source=platform,
    )
    return dispatch(request, deps)


def text_of(reply: Reply) -> str:
    """Everything a reply says, as unescaped text (paragraphs, then table cells row by row)."""
    lines: list[str] = []
    for block in reply.blocks:
        if isinstance(block, Para):
            lines.append(plain(*block.spans))
        elif isinstance(block, Table):
            lines.append(" | ".join(block.columns))
            lines += [" | ".join(plain(cell) for cell in row) for row in block.rows]
    return "\n".join(lines)


def table_of(reply: Reply) -> Table:
    """The one table in a reply (leaderboard, progress)."""
    tables = [b for b in reply.blocks if isinstance(b, Table)]
    assert len(tables) == 1, text_of(reply)
    return tables[0]


def count(db: Database, table: str) -> int:
    return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def slack_run(deps: Deps, user: str, line: str, where: Where, *, workspace: str = "T1",
              workspace_admin: bool = False) -> Reply:
    """`line` as Slack user `user` in `workspace`, typed in `where` (the way the Slack transport asks)."""
    name, _, text = line.strip().lstrip("/").partition(" ")
    request = CommandRequest(name=name, text=text, where=where, received_at=deps.clock(), source="slack:command",
                             actor=Actor("slack", workspace, user, display_name=user,
                                         is_workspace_admin=workspace_admin))
    return dispatch(request, deps)


def ok(reply: Reply) -> Reply:
    assert reply.ok, text_of(reply)
    return reply


def slack_member(deps: Deps, user: str, workspace: str = "T1") -> Any:
    """The stored member behind Slack user `user` (a storage.members.Member)."""
    from storage import members

    found = members.find_member_by_platform(deps.db, "slack", workspace, user)
    assert found is not None, user
    return found
