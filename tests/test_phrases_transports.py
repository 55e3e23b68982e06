"""The whole phrase table (`tests/phrases.py`) through the two other ways in: signed Slack requests to the real
app, and the shell workspace. Each line is typed by its own member, so caps and duplicates never interfere; the
row stored for that member must be exactly the one the table gives, and a line the table says is asked about
must store nothing.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.transports.shell import Shell
from commands.model import Deps
from storage import open_db
from tests.conftest import FrozenClock
from tests.phrases import TABLE, TODAY, Asked, Stored
from tests.test_slack import Bot, bot, fake  # noqa: F401 (fixtures)

CLEAR = [p for p in TABLE if isinstance(p, Stored)]


def expected(phrase: Stored) -> tuple[Any, ...]:
    kind = phrase.kind or ("interview" if phrase.command == "interview" else "networking")
    return kind, phrase.subtype, phrase.org, phrase.day.isoformat(), phrase.notes


def rows_by_user(path: Path, platform: str) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        found: dict[str, list[tuple[Any, ...]]] = {}
        for user, *fields in conn.execute(
                "SELECT m.user_id, a.kind, a.subtype, a.org, a.happened_on, a.notes FROM activities a "
                "JOIN members m ON m.id = a.member_id JOIN workspaces w ON w.id = m.workspace_id "
                "WHERE w.platform = ? AND a.deleted_at IS NULL", [platform]):
            found.setdefault(user, []).append(tuple(fields))
        return found
    finally:
        conn.close()


def check(stored: dict[str, list[tuple[Any, ...]]], user_of: dict[int, str]) -> None:
    wrong: list[tuple[object, ...]] = []
    asked_clear = 0
    for i, phrase in enumerate(TABLE):
        got = stored.get(user_of[i], [])
        if isinstance(phrase, Asked):
            if got:
                wrong.append((phrase.text, "stored though it must be asked", got))
        elif not got:
            asked_clear += 1
        elif got != [expected(phrase)]:
            wrong.append((phrase.text, expected(phrase), got))
    assert wrong == []
    assert (len(CLEAR) - asked_clear) / len(CLEAR) >= 0.9, asked_clear


async def test_the_table_through_signed_slack_requests(bot: Bot) -> None:  # noqa: F811 (the fixture)
    assert bot.clock.now.astimezone(UTC).date() == TODAY  # 10:00 in New York, the members' default zone
    user_of = {i: f"U{i:06d}" for i in range(len(TABLE))}
    for i, phrase in enumerate(TABLE):
        response = await bot.command(f"/{phrase.command}", phrase.text, user_id=user_of[i], user_name=f"m{i}")
        assert response.status == 200, phrase.text
    check(rows_by_user(bot.db_path, "slack"), user_of)


def test_the_table_through_the_shell(tmp_path: Path) -> None:
    path = tmp_path / "shell.db"
    deps = Deps(db=open_db(path), clock=FrozenClock(datetime(2026, 11, 27, 15, tzinfo=UTC)))
    user_of = {i: f"m{i:04d}" for i in range(len(TABLE))}
    script = "".join(f":as {user_of[i]}\n/{p.command} {p.text}\n" for i, p in enumerate(TABLE))
    out = io.StringIO()
    Shell(deps, io.StringIO(script), out, user="m0000", interactive=False).run()
    assert "Something went wrong" not in out.getvalue()
    check(rows_by_user(path, "shell"), user_of)


def test_every_phrase_is_one_line() -> None:  # the shell reads one command a line
    assert [p.text for p in TABLE if "\n" in p.text] == []
