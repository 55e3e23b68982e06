"""Migrations: a blank database gets exactly the schema the code expects, the ledger records each migration once,
and a file database is opened in WAL mode with foreign keys enforced.

When you add a migration, add what it creates to SCHEMA and its name to APPLIED.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database

from storage import open_db
from storage.migrations import MIGRATIONS

APPLIED = ["0001_core", "0002_seen_events", "0003_nudges", "0004_board_totals", "0100_teams_conversations",
           "0101_teams_user_ids", "0005_applications", "0006_journal", "0007_time_of_day", "0008_cohorts_and_roles",
           "0009_admins_index"]

# table -> columns ("name TYPE [NOT NULL] [DEFAULT x] [PK]", in order), indexes ("name": "[UNIQUE ](cols)[ WHERE]"),
# foreign keys ("column -> table.column").
SCHEMA: dict[str, dict[str, list[str] | dict[str, str]]] = {
    "workspaces": {
        "columns": ["id INTEGER PK", "platform TEXT NOT NULL", "external_id TEXT NOT NULL",
                    "name TEXT NOT NULL DEFAULT ''", "created_at TEXT NOT NULL"],
        "indexes": {"sqlite_autoindex_workspaces_1": "UNIQUE (platform, external_id)"},
        "foreign_keys": [],
    },
    "cohorts": {
        "columns": ["id INTEGER PK", "workspace_id INTEGER NOT NULL", "name TEXT NOT NULL", "summary_channel TEXT",
                    "nudge_weekday INTEGER NOT NULL DEFAULT 0", "nudge_hour INTEGER NOT NULL DEFAULT 9",
                    "points_interview INTEGER NOT NULL", "points_offer_bonus INTEGER NOT NULL",
                    "points_informational INTEGER NOT NULL", "points_meeting INTEGER NOT NULL",
                    "points_event INTEGER NOT NULL", "daily_cap INTEGER NOT NULL", "created_at TEXT NOT NULL",
                    "tz TEXT", "channel_name TEXT NOT NULL DEFAULT ''"],
        "indexes": {"cohorts_workspace": "(workspace_id)", "cohorts_name": "UNIQUE (workspace_id, name)"},
        "foreign_keys": ["workspace_id -> workspaces.id"],
    },
    "members": {
        "columns": ["id INTEGER PK", "workspace_id INTEGER NOT NULL", "cohort_id INTEGER NOT NULL",
                    "user_id TEXT NOT NULL", "display_name TEXT NOT NULL DEFAULT ''", "tz TEXT",
                    "weekly_goal INTEGER NOT NULL", "privacy TEXT NOT NULL DEFAULT 'named'",
                    "active INTEGER NOT NULL DEFAULT 1", "is_admin INTEGER NOT NULL DEFAULT 0",
                    "nudges_enabled INTEGER NOT NULL DEFAULT 1", "paused_until TEXT", "profile_checked_at TEXT",
                    "joined_at TEXT NOT NULL", "updated_at TEXT NOT NULL", "role TEXT NOT NULL DEFAULT 'member'"],
        "indexes": {"members_cohort": "(cohort_id, active)", "members_admins": "(workspace_id, id) WHERE",
                    "sqlite_autoindex_members_1": "UNIQUE (workspace_id, user_id)"},
        "foreign_keys": ["cohort_id -> cohorts.id", "workspace_id -> workspaces.id"],
    },
    "activities": {
        "columns": ["id INTEGER PK", "workspace_id INTEGER NOT NULL", "cohort_id INTEGER NOT NULL",
                    "member_id INTEGER NOT NULL", "seq INTEGER NOT NULL", "kind TEXT NOT NULL",
                    "subtype TEXT NOT NULL", "org TEXT NOT NULL", "org_key TEXT NOT NULL",
                    "happened_on TEXT NOT NULL", "notes TEXT NOT NULL DEFAULT ''",
                    "points INTEGER NOT NULL DEFAULT 0", "status TEXT NOT NULL DEFAULT 'done'",
                    "source TEXT NOT NULL DEFAULT ''", "created_at TEXT NOT NULL", "updated_at TEXT NOT NULL",
                    "deleted_at TEXT", "thanked_at TEXT", "application_id INTEGER", "logged_on TEXT",
                    "counted INTEGER NOT NULL DEFAULT 0", "time_of_day TEXT"],
        "indexes": {
            # The leaderboard's range scan: live rows of one cohort by day, covering what it sums.
            "activities_board": "(cohort_id, happened_on, member_id, kind, counted, points) WHERE",
            "activities_member": "(member_id, happened_on) WHERE",
            "activities_member_created": "(member_id, created_at)",
            "activities_application": "(application_id, happened_on) WHERE",
            "activities_member_logged": "(member_id, logged_on) WHERE",
            "sqlite_autoindex_activities_1": "UNIQUE (workspace_id, seq)",
        },
        "foreign_keys": ["application_id -> applications.id", "cohort_id -> cohorts.id", "member_id -> members.id",
                         "workspace_id -> workspaces.id"],
    },
    "applications": {
        "columns": ["id INTEGER PK", "member_id INTEGER NOT NULL", "org TEXT NOT NULL", "org_key TEXT NOT NULL",
                    "created_at TEXT NOT NULL"],
        "indexes": {"sqlite_autoindex_applications_1": "UNIQUE (member_id, org_key)"},
        "foreign_keys": ["member_id -> members.id"],
    },
    "journal": {
        "columns": ["id INTEGER PK", "member_id INTEGER NOT NULL", "activity_id INTEGER NOT NULL",
                    "action TEXT NOT NULL", "before TEXT NOT NULL DEFAULT '{}'", "after TEXT NOT NULL DEFAULT '{}'",
                    "at TEXT NOT NULL", "undone_at TEXT"],
        "indexes": {"journal_member": "(member_id, id) WHERE"},
        "foreign_keys": ["activity_id -> activities.id", "member_id -> members.id"],
    },
    "member_days": {
        "columns": ["member_id INTEGER NOT NULL PK", "day TEXT NOT NULL PK", "cohort_id INTEGER NOT NULL",
                    "points INTEGER NOT NULL", "interviews INTEGER NOT NULL", "meetings INTEGER NOT NULL"],
        "indexes": {"member_days_cohort": "(cohort_id, day)",
                    "sqlite_autoindex_member_days_1": "UNIQUE (member_id, day)"},
        "foreign_keys": ["cohort_id -> cohorts.id", "member_id -> members.id"],
    },
    "member_totals": {
        "columns": ["cohort_id INTEGER NOT NULL PK", "member_id INTEGER NOT NULL PK", "points INTEGER NOT NULL",
                    "interviews INTEGER NOT NULL", "meetings INTEGER NOT NULL"],
        "indexes": {"sqlite_autoindex_member_totals_1": "UNIQUE (cohort_id, member_id)"},
        "foreign_keys": ["cohort_id -> cohorts.id", "member_id -> members.id"],
    },
    "seen_events": {
        "columns": ["key TEXT PK", "seen_at TEXT NOT NULL"],
        "indexes": {"seen_events_at": "(seen_at)", "sqlite_autoindex_seen_events_1": "UNIQUE (key)"},
        "foreign_keys": [],
    },
    "deliveries": {
        "columns": ["id INTEGER PK", "key TEXT NOT NULL", "kind TEXT NOT NULL", "workspace_id INTEGER NOT NULL",
                    "member_id INTEGER", "cohort_id INTEGER", "target TEXT NOT NULL", "card_id TEXT",
                    "status TEXT NOT NULL", "claimed_at TEXT NOT NULL", "sent_at TEXT", "message_ref TEXT",
                    "attempts INTEGER NOT NULL DEFAULT 1"],
        "indexes": {"deliveries_member_card": "(member_id, kind, claimed_at)",
                    "deliveries_status": "(status, claimed_at)",
                    "sqlite_autoindex_deliveries_1": "UNIQUE (key)"},
        "foreign_keys": ["cohort_id -> cohorts.id", "member_id -> members.id", "workspace_id -> workspaces.id"],
    },
    "card_feedback": {
        "columns": ["id INTEGER PK", "member_id INTEGER NOT NULL", "cohort_id INTEGER NOT NULL",
                    "card_id TEXT NOT NULL", "vote INTEGER NOT NULL", "at TEXT NOT NULL"],
        "indexes": {"card_feedback_card": "(cohort_id, card_id)",
                    "sqlite_autoindex_card_feedback_1": "UNIQUE (member_id, card_id)"},
        "foreign_keys": ["cohort_id -> cohorts.id", "member_id -> members.id"],
    },
    "pauses": {
        "columns": ["id INTEGER PK", "member_id INTEGER NOT NULL", "starts_on TEXT NOT NULL",
                    "ends_on TEXT NOT NULL"],
        "indexes": {"pauses_member": "(member_id, starts_on)"},
        "foreign_keys": ["member_id -> members.id"],
    },
    "cohort_pauses": {
        "columns": ["id INTEGER PK", "cohort_id INTEGER NOT NULL", "starts_on TEXT NOT NULL", "ends_on TEXT NOT NULL",
                    "created_at TEXT NOT NULL"],
        "indexes": {"cohort_pauses_cohort": "(cohort_id, starts_on)"},
        "foreign_keys": ["cohort_id -> cohorts.id"],
    },
    "teams_conversations": {  # registered by storage/teams.py
        "columns": ["id INTEGER PK", "tenant_id TEXT NOT NULL", "target_kind TEXT NOT NULL",
                    "target_id TEXT NOT NULL", "conversation_id TEXT NOT NULL", "team_id TEXT",
                    "reference TEXT NOT NULL", "service_url TEXT NOT NULL", "created_at TEXT NOT NULL",
                    "updated_at TEXT NOT NULL"],
        "indexes": {"teams_conversations_target": "(target_id)",
                    "sqlite_autoindex_teams_conversations_1": "UNIQUE (tenant_id, target_id)"},
        "foreign_keys": [],
    },
    "teams_user_ids": {  # registered by storage/teams.py
        "columns": ["tenant_id TEXT NOT NULL PK", "channel_user_id TEXT NOT NULL PK", "aad_object_id TEXT NOT NULL"],
        "indexes": {"sqlite_autoindex_teams_user_ids_1": "UNIQUE (tenant_id, channel_user_id)"},
        "foreign_keys": [],
    },
}


def describe(db: Database | sqlite3.Connection) -> dict[str, dict[str, list[str] | dict[str, str]]]:
    """The schema as PRAGMAs report it, in SCHEMA's shape (the migrations ledger table left out)."""
    conn = db.conn if isinstance(db, Database) else db
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != '_sqlite_migrations'")]
    out: dict[str, dict[str, list[str] | dict[str, str]]] = {}
    for table in tables:
        columns = []
        for _, name, type_, notnull, default, pk in conn.execute(f"PRAGMA table_info({table})"):
            text = f"{name} {type_}"
            text += " NOT NULL" if notnull else ""
            text += f" DEFAULT {default}" if default is not None else ""
            text += " PK" if pk else ""
            columns.append(text)
        indexes = {}
        for _, index, unique, _origin, partial in conn.execute(f"PRAGMA index_list({table})"):
            cols = ", ".join(r[2] for r in conn.execute(f"PRAGMA index_info({index})"))
            indexes[index] = ("UNIQUE " if unique else "") + f"({cols})" + (" WHERE" if partial else "")
        keys = sorted(f"{r[3]} -> {r[2]}.{r[4]}" for r in conn.execute(f"PRAGMA foreign_key_list({table})"))
        out[table] = {"columns": columns, "indexes": indexes, "foreign_keys": keys}
    return out


def test_blank_database_has_the_expected_schema() -> None:
    assert describe(open_db(":memory:")) == SCHEMA


def test_a_fresh_process_builds_the_whole_schema() -> None:
    """Opening the database first thing (as `cohortbot serve` and the shell do) applies every migration, including
    those registered by modules the process has not imported yet."""
    code = (
        "from storage import open_db\n"
        "db = open_db(':memory:')\n"
        "print(sorted(name for (name,) in db.execute('SELECT name FROM _sqlite_migrations')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == repr(sorted(APPLIED))


def test_migrations_are_recorded_in_order() -> None:
    db = open_db(":memory:")
    rows = db.execute("SELECT migration_set, name FROM _sqlite_migrations ORDER BY rowid").fetchall()
    assert rows == [("cohortbot", name) for name in APPLIED]
    assert MIGRATIONS.pending(db) == []


def test_reopening_a_file_applies_nothing_new(tmp_path: Path) -> None:
    path = tmp_path / "cohort.db"
    first = open_db(path)
    first.execute("INSERT INTO workspaces (platform, external_id, created_at) VALUES ('shell', 'local', 'x')")
    first.conn.commit()
    ledger = first.execute("SELECT * FROM _sqlite_migrations").fetchall()
    first.conn.close()
    again = open_db(path)
    assert again.execute("SELECT * FROM _sqlite_migrations").fetchall() == ledger  # same rows, same times
    assert again.execute("SELECT external_id FROM workspaces").fetchall() == [("local",)]
    assert describe(again) == SCHEMA


def test_an_older_database_is_brought_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = open_db(path, migrate=False)
    MIGRATIONS.apply(old, stop_before=APPLIED[1])
    old.execute("INSERT INTO workspaces (platform, external_id, created_at) VALUES ('slack', 'T1', 'x')")
    old.conn.commit()
    assert [m.name for m in MIGRATIONS.pending(old)] == APPLIED[1:]
    old.conn.close()
    upgraded = open_db(path)
    assert describe(upgraded) == SCHEMA
    assert MIGRATIONS.pending(upgraded) == []
    assert upgraded.execute("SELECT external_id FROM workspaces").fetchall() == [("T1",)]


RELEASE_0_1 = Path(__file__).resolve().parent / "data" / "release-0.1.db"


def test_a_database_written_by_release_0_1_opens_with_every_row_kept(tmp_path: Path) -> None:
    """The file in tests/data was written by release 0.1, when the Teams migrations were registered elsewhere.

    Every row is kept with every value it had, except what is derived from the entries: each entry's points, and
    the day and all-time totals, are recomputed under the current rules (storage/scoring.py)."""
    path = tmp_path / "cohortbot.db"
    shutil.copy(RELEASE_0_1, path)
    old = sqlite3.connect(path)
    tables = [t for (t,) in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
              if t != "_sqlite_migrations"]
    columns = {t: [r[1] for r in old.execute(f"PRAGMA table_info({t})")] for t in tables}
    kept = {t: [c for c in columns[t] if (t, c) != ("activities", "points")] for t in tables
            if t not in ("member_days", "member_totals")}
    before = {t: sorted(old.execute(f"SELECT {', '.join(cols)} FROM {t}").fetchall(), key=repr)
              for t, cols in kept.items()}
    counts = {t: old.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in kept}
    old.close()
    db = open_db(path)
    assert describe(db) == SCHEMA
    assert MIGRATIONS.pending(db) == []
    for table, rows in before.items():
        assert sorted(db.execute(f"SELECT {', '.join(kept[table])} FROM {table}").fetchall(), key=repr) == rows, table
    assert {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in kept} == counts
    # The record is usable: the members, their entries and the Teams pairs read back through the code.
    assert [r[0] for r in db.execute("SELECT display_name FROM members ORDER BY id")] == ["alice", "bob", "carol"]
    assert db.execute("SELECT COUNT(*) FROM activities WHERE deleted_at IS NULL").fetchone() == (4,)
    from storage import board, teams

    assert teams.aad_for(db, "tenant-1", "29:abc") == "aad-1"
    # Interviews are linked to applications (bob's screener and offer at Cravath are one), typed days are filled
    # in (the cohort's timezone, New York), and bob's offer is the outcome of his Cravath application: the offer
    # bonus only, as he interviewed there the day before, and no second interview.
    assert db.execute("SELECT member_id, org FROM applications ORDER BY id").fetchall() == [
        (1, "Latham"), (2, "Cravath")]
    assert db.execute("SELECT seq, application_id, logged_on, points, counted FROM activities ORDER BY seq"
                      ).fetchall() == [(1, 1, "2026-11-25", 3, 1), (2, None, "2026-11-25", 2, 1),
                                       (3, 2, "2026-11-25", 3, 1), (4, 2, "2026-11-25", 5, 0),
                                       (5, None, "2026-11-25", 0, 0)]
    assert [(r.display_name, r.points, r.interviews, r.meetings) for r in board.board(db, 1, None, date(2026, 12, 1))
            ] == [("bob", 8, 1, 0), ("alice", 5, 1, 1)]
    stored = sorted(db.execute("SELECT * FROM member_days").fetchall())
    board.rebuild_totals(db)
    assert sorted(db.execute("SELECT * FROM member_days").fetchall()) == stored
    # 0008: one cohort keeps its name and channel; alice, the admin, has logged entries, so she stays a member too.
    assert db.execute("SELECT name, summary_channel, channel_name FROM cohorts").fetchall() == [
        ("Cohort", "job-search", "")]
    assert db.execute("SELECT user_id, is_admin, role FROM members ORDER BY id").fetchall() == [
        ("alice", 1, "member"), ("bob", 0, "member"), ("carol", 0, "member")]
    assert db.execute("SELECT COUNT(*) FROM cohort_pauses").fetchone() == (0,)


def _entry(db: Database, member_id: int, seq: int) -> None:
    db.execute("INSERT INTO activities (workspace_id, cohort_id, member_id, seq, kind, subtype, org, org_key, "
               "happened_on, created_at, updated_at) VALUES (1, 1, ?, ?, 'interview', 'screener', 'Latham', 'latham', "
               "'2026-11-20', 'x', 'x')", [member_id, seq])


def test_0008_makes_admins_who_never_logged_coordinators(tmp_path: Path) -> None:
    """Whoever ran setup was made a member and nudged; after 0008 an admin with no entries coordinates only, an admin
    with entries is both, cohort names are unique in a workspace (any case), and logging makes a coordinator a
    member, whichever path inserts the entry."""
    path = tmp_path / "old.db"
    old = open_db(path, migrate=False)
    MIGRATIONS.apply(old, stop_before="0008_cohorts_and_roles")
    old.execute("INSERT INTO workspaces (id, platform, external_id, created_at) VALUES (1, 'slack', 'T1', 'x')")
    for cohort_id, name in ((1, "Cohort"), (2, "COHORT")):  # two by the same name could only be made by hand
        old.execute("INSERT INTO cohorts (id, workspace_id, name, points_interview, points_offer_bonus, "
                    "points_informational, points_meeting, points_event, daily_cap, created_at) "
                    "VALUES (?, 1, ?, 3, 5, 3, 2, 1, 10, '2026-09-01T00:00:00+00:00')", [cohort_id, name])
    for member_id, user, admin in ((1, "carla", 1), (2, "alice", 1), (3, "bob", 0)):
        old.execute("INSERT INTO members (id, workspace_id, cohort_id, user_id, weekly_goal, is_admin, joined_at, "
                    "updated_at) VALUES (?, 1, 1, ?, 3, ?, 'x', 'x')", [member_id, user, admin])
    _entry(old, 2, 1)
    old.conn.commit()
    old.conn.close()
    db = open_db(path)
    assert db.execute("SELECT user_id, is_admin, role FROM members ORDER BY id").fetchall() == [
        ("carla", 1, "coordinator"), ("alice", 1, "member"), ("bob", 0, "member")]
    assert db.execute("SELECT name FROM cohorts ORDER BY id").fetchall() == [("Cohort",), ("COHORT 2",)]
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.execute("INSERT INTO cohorts (workspace_id, name, points_interview, points_offer_bonus, "
                   "points_informational, points_meeting, points_event, daily_cap, created_at) "
                   "VALUES (1, 'cohort', 3, 5, 3, 2, 1, 10, 'x')")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):  # a coordinator who is not an admin is nobody
        db.execute("UPDATE members SET role = 'coordinator' WHERE user_id = 'bob'")
    _entry(db, 1, 2)  # carla logs an entry: she takes part now
    assert db.execute("SELECT role FROM members WHERE user_id = 'carla'").fetchone() == ("member",)


def test_without_migrate_nothing_is_created(tmp_path: Path) -> None:
    db = open_db(tmp_path / "empty.db", migrate=False)
    assert describe(db) == {}
    assert [m.name for m in MIGRATIONS.pending(db)] == APPLIED


def test_file_database_uses_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    db = open_db(tmp_path / "cohort.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    # WAL is a property of the file: a plain connection sees it too.
    with sqlite3.connect(tmp_path / "cohort.db") as plain_conn:
        assert plain_conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    plain_conn.close()


def test_constraints_are_enforced() -> None:
    db = open_db(":memory:")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        db.execute("INSERT INTO cohorts (workspace_id, name, points_interview, points_offer_bonus, "
                   "points_informational, points_meeting, points_event, daily_cap, created_at) "
                   "VALUES (99, 'c', 3, 5, 3, 2, 1, 10, 'x')")
    db.execute("INSERT INTO workspaces (id, platform, external_id, created_at) VALUES (1, 'shell', 'local', 'x')")
    db.execute("INSERT INTO cohorts (id, workspace_id, name, points_interview, points_offer_bonus, "
               "points_informational, points_meeting, points_event, daily_cap, created_at) "
               "VALUES (1, 1, 'c', 3, 5, 3, 2, 1, 10, 'x')")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute("INSERT INTO members (workspace_id, cohort_id, user_id, weekly_goal, privacy, joined_at, "
                   "updated_at) VALUES (1, 1, 'alice', 3, 'loud', 'x', 'x')")
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.execute("INSERT INTO workspaces (platform, external_id, created_at) VALUES ('shell', 'local', 'y')")
