"""The shell workspace, end to end: a scripted session of three members whose leaderboard and progress match the
rows in the SQLite file, in this process and in fresh `python -m bot` processes on the same file.
"""

from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.transports.shell import Shell
from commands.model import Deps
from storage import open_db
from tests.conftest import FrozenClock

NOW = "2026-11-27T15:00:00"  # Friday 27 Nov 2026, 10:00 in New York
WEEK = ("2026-11-23", "2026-11-27")  # Monday to today

SCRIPT = """\
:as alice
/interview Latham callback yesterday -- met two partners
/interview "Wachtell, Lipton" screener
network "Dana Lee, Ropes & Gray" informational tue
:as bob
/interview Cooley OCI
/network Sam coffee
/interview Skadden offer
/interview Skadden offer
:as carol
/network NYSBA event
/interview Davis Polk callback
/interview Mistake
/cohort undo
/cohort edit 9 stage offer
/cohort edit 9 notes partner lunch \u2014 went well
/leaderboard
/progress
"""


def chunks(transcript: str) -> dict[str, str]:
    """Each command's echo line ("carol> /leaderboard") -> what the shell printed for it (the last one wins)."""
    out: dict[str, str] = {}
    for chunk in transcript.split("\n\n"):
        head, _, body = chunk.strip("\n").partition("\n")
        out[head] = body
    return out


def table_rows(text: str) -> list[list[str]]:
    """The rows of the one aligned table in a rendered reply, cells split on runs of spaces."""
    lines = text.splitlines()
    dashes = next(i for i, line in enumerate(lines) if re.fullmatch(r"\s*-+(\s+-+)*", line))
    columns = len(lines[dashes].split())
    rows = []
    for line in lines[dashes + 1:]:
        cells = re.split(r"\s{2,}", line[2:].strip())
        if not line.startswith(("  ", "> ")) or len(cells) != columns:
            break  # a note or paragraph after the table
        rows.append(cells)
    return rows


def board_from_file(path: Path) -> dict[str, tuple[int, int, int]]:
    """member -> (points, interviews, meetings) this week, straight from the file with our own SQL."""
    with sqlite3.connect(path) as conn:
        found = conn.execute(
            """SELECT m.user_id, SUM(a.points), SUM(a.counted AND a.kind = 'interview'),
                      SUM(a.counted AND a.kind = 'networking')
               FROM activities a JOIN members m ON m.id = a.member_id
               WHERE a.deleted_at IS NULL AND a.happened_on BETWEEN ? AND ?
               GROUP BY m.user_id""",
            WEEK,
        ).fetchall()
    conn.close()
    return {user: (pts, interviews, meetings) for user, pts, interviews, meetings in found}


def board_from_text(text: str) -> dict[str, tuple[int, int, int]]:
    return {name.removesuffix(" (you)"): (int(pts), int(interviews), int(meetings))
            for _, name, pts, interviews, meetings in table_rows(text)}


def check_session(transcript: str, path: Path) -> None:
    said = chunks(transcript)
    # The edit and the undo reached the file.
    with sqlite3.connect(path) as conn:
        rows = {seq: (org, subtype, points, deleted) for seq, org, subtype, points, deleted in conn.execute(
            "SELECT seq, org, subtype, points, deleted_at IS NOT NULL FROM activities")}
    conn.close()
    assert rows[9] == ("Davis Polk", "offer", 8, 0)
    assert rows[10] == ("Mistake", "other", 0, 1)
    assert said["carol> /cohort undo"] == "Undone: removed #10 interview · Mistake · today."
    assert said["carol> /cohort edit 9 stage offer"] == "Updated #9 offer · Davis Polk · today (8 points)."
    # Bob's second Skadden offer the same day scores nothing and counts nothing; his day is capped at 10. His
    # first offer counts the interview it implies (none logged at Skadden), the second is not one more.
    assert "so it scores once" in said["bob> /interview Skadden offer"]

    board = said["carol> /leaderboard"]
    assert board.startswith("Leaderboard, this week\n")
    assert board_from_text(board) == board_from_file(path) == {
        "bob": (10, 2, 1), "alice": (9, 2, 1), "carol": (9, 1, 1)}
    assert [row[0] for row in table_rows(board)] == ["1", "2", "2"]
    assert "> " in board and "carol (you)" in next(line for line in board.splitlines() if line.startswith("> "))
    assert board.splitlines()[-1].strip() == ("Cohort this week: 5 interviews and 3 meetings from 3 members, "
                                              "28 points.")

    progress = said["carol> /progress"]
    assert "This week: 2 of 3 toward your goal" in progress
    assert "(1 interview, 1 meeting, 9 points)" in progress
    with sqlite3.connect(path) as conn:
        mine = conn.execute(
            "SELECT '#' || a.seq, a.org, a.points FROM activities a JOIN members m ON m.id = a.member_id "
            "WHERE m.user_id = 'carol' AND a.deleted_at IS NULL ORDER BY a.happened_on DESC, a.id DESC").fetchall()
    conn.close()
    assert [(r[0], r[3], int(r[4])) for r in table_rows(progress)] == [tuple(r) for r in mine] == [
        ("#9", "Davis Polk", 8), ("#8", "NYSBA", 1)]


def test_scripted_session_in_process(tmp_path: Path) -> None:
    path = tmp_path / "cohort.db"
    clock = FrozenClock()
    clock.set(NOW)
    out = io.StringIO()
    shell = Shell(Deps(db=open_db(path), clock=clock), io.StringIO(SCRIPT), out)
    assert shell.run() == 0
    check_session(out.getvalue(), path)
    # Notes with an em dash were kept whole.
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT notes FROM activities WHERE seq = 9").fetchone() == (
            "partner lunch \u2014 went well",)
    conn.close()


def test_shell_commands(tmp_path: Path) -> None:
    clock = FrozenClock()
    out = io.StringIO()
    shell = Shell(Deps(db=open_db(":memory:"), clock=clock),
                  io.StringIO(":help\n:as two words\n:as Dana\n:nope\n/progress\n:quit\n/leaderboard\n"), out)
    assert shell.run() == 0
    text = out.getvalue()
    assert "act as member NAME" in text
    assert "Give one name without spaces, like :as alice" in text
    assert "You are now Dana." in text
    assert "Unknown shell command :nope. Type :help." in text
    assert "Dana> /progress" in text
    assert "/leaderboard" not in text.split("Dana> :quit")[1]  # nothing runs after :quit


# ---- real processes ----------------------------------------------------------------------------------


def clean_env(db: Path) -> dict[str, str]:
    """This environment without any platform credentials, and with our database file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "COHORTBOT_"))}
    env["COHORTBOT_DB"] = str(db)
    return env


def run_bot(args: list[str], script: str, db: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "bot", *args], input=script, capture_output=True, text=True,
                          env=clean_env(db), cwd=cwd, timeout=60)
    assert done.returncode == 0, done.stderr
    return done


def test_scripted_session_in_real_processes(tmp_path: Path) -> None:
    path = tmp_path / "cohort.db"
    first = run_bot(["shell", "--now", NOW], SCRIPT, path, tmp_path)
    check_session(first.stdout, path)
    # A new process on the same file shows the same board.
    second = run_bot(["shell", "--now", NOW, "--user", "carol"], "/leaderboard\n", path, tmp_path)
    assert chunks(second.stdout)["carol> /leaderboard"] == chunks(first.stdout)["carol> /leaderboard"]
    assert not (tmp_path / "cohortbot.db").exists()  # COHORTBOT_DB was used, not the default file


def test_no_slack_credentials_opens_the_shell(tmp_path: Path) -> None:
    path = tmp_path / "cohort.db"
    done = run_bot(["--now", NOW], ":as alice\n/interview Latham\n/progress\n", path, tmp_path)
    assert "No Slack credentials" in done.stderr
    assert str(path) in done.stderr
    said = chunks(done.stdout)
    assert said["alice> /interview Latham"].startswith("Logged interview at Latham, today (#1).")
    assert "This week: 1 of 3 toward your goal" in said["alice> /progress"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT org, points FROM activities").fetchall() == [("Latham", 3)]
    conn.close()
