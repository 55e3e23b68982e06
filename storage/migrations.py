"""Every schema change, in one ordered list recorded by sqlite-utils' `Migrations` ledger.

They apply in the order they stand in this file; a name is an id recorded in the ledger, not a position, so the
Teams tables keep the names (0100, 0101) they shipped with. Never edit a migration that has shipped; add a new
one at the bottom.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from storage.applications import link_unlinked
from storage.rules import ScoringRules
from storage.scoring import local_day, rebuild_totals, rescore

MIGRATIONS = Migrations("cohortbot")


def _run(db: Database, *statements: str) -> None:
    for statement in statements:
        db.execute(statement)


@MIGRATIONS(name="0001_core")
def core(db: Database) -> None:
    _run(
        db,
        """CREATE TABLE workspaces (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            external_id TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            UNIQUE (platform, external_id)
        )""",
        """CREATE TABLE cohorts (
            id INTEGER PRIMARY KEY,
            workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
            name TEXT NOT NULL,
            summary_channel TEXT,
            nudge_weekday INTEGER NOT NULL DEFAULT 0 CHECK (nudge_weekday BETWEEN 0 AND 6),
            nudge_hour INTEGER NOT NULL DEFAULT 9 CHECK (nudge_hour BETWEEN 0 AND 23),
            points_interview INTEGER NOT NULL,
            points_offer_bonus INTEGER NOT NULL,
            points_informational INTEGER NOT NULL,
            points_meeting INTEGER NOT NULL,
            points_event INTEGER NOT NULL,
            daily_cap INTEGER NOT NULL,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX cohorts_workspace ON cohorts (workspace_id)",
        """CREATE TABLE members (
            id INTEGER PRIMARY KEY,
            workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
            cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
            user_id TEXT NOT NULL,
            display_name TEXT NOT NULL DEFAULT '',
            tz TEXT,
            weekly_goal INTEGER NOT NULL,
            privacy TEXT NOT NULL DEFAULT 'named' CHECK (privacy IN ('named', 'anonymous', 'hidden')),
            active INTEGER NOT NULL DEFAULT 1,
            is_admin INTEGER NOT NULL DEFAULT 0,
            nudges_enabled INTEGER NOT NULL DEFAULT 1,
            paused_until TEXT,
            profile_checked_at TEXT,
            joined_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (workspace_id, user_id)
        )""",
        "CREATE INDEX members_cohort ON members (cohort_id, active)",
        """CREATE TABLE activities (
            id INTEGER PRIMARY KEY,
            workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
            cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
            member_id INTEGER NOT NULL REFERENCES members(id),
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('interview', 'networking')),
            subtype TEXT NOT NULL,
            org TEXT NOT NULL,
            org_key TEXT NOT NULL,
            happened_on TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT '',
            points INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'done' CHECK (status IN ('done', 'planned', 'cancelled')),
            source TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT,
            UNIQUE (workspace_id, seq)
        )""",
        # Serves the leaderboard: one range scan per cohort and period, covering every column it sums.
        """CREATE INDEX activities_board ON activities (cohort_id, happened_on, member_id, kind, points, status)
           WHERE deleted_at IS NULL""",
        """CREATE INDEX activities_member ON activities (member_id, happened_on)
           WHERE deleted_at IS NULL""",
        "CREATE INDEX activities_member_created ON activities (member_id, created_at)",
    )


@MIGRATIONS(name="0002_seen_events")
def seen_events(db: Database) -> None:
    # Platform event ids already handled, so a retried delivery is handled once.
    _run(
        db,
        "CREATE TABLE seen_events (key TEXT PRIMARY KEY, seen_at TEXT NOT NULL)",
        "CREATE INDEX seen_events_at ON seen_events (seen_at)",
    )


@MIGRATIONS(name="0003_nudges")
def nudges(db: Database) -> None:
    _run(
        db,
        # One row per message that must go out exactly once (weekly nudge, summary, follow-ups). The key names
        # the message (e.g. "nudge:42:2026-W48"); a row is claimed before sending and marked sent after.
        """CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
            member_id INTEGER REFERENCES members(id),
            cohort_id INTEGER REFERENCES cohorts(id),
            target TEXT NOT NULL,
            card_id TEXT,
            status TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'skipped')),
            claimed_at TEXT NOT NULL,
            sent_at TEXT,
            message_ref TEXT,
            attempts INTEGER NOT NULL DEFAULT 1
        )""",
        "CREATE INDEX deliveries_member_card ON deliveries (member_id, kind, claimed_at)",
        "CREATE INDEX deliveries_status ON deliveries (status, claimed_at)",
        """CREATE TABLE card_feedback (
            id INTEGER PRIMARY KEY,
            member_id INTEGER NOT NULL REFERENCES members(id),
            cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
            card_id TEXT NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            at TEXT NOT NULL,
            UNIQUE (member_id, card_id)
        )""",
        "CREATE INDEX card_feedback_card ON card_feedback (cohort_id, card_id)",
        """CREATE TABLE pauses (
            id INTEGER PRIMARY KEY,
            member_id INTEGER NOT NULL REFERENCES members(id),
            starts_on TEXT NOT NULL,
            ends_on TEXT NOT NULL
        )""",
        "CREATE INDEX pauses_member ON pauses (member_id, starts_on)",
        "ALTER TABLE activities ADD COLUMN thanked_at TEXT",
        "ALTER TABLE cohorts ADD COLUMN tz TEXT",
    )


@MIGRATIONS(name="0004_board_totals")
def board_totals(db: Database) -> None:
    # The all-time leaderboard summed every live entry of a cohort (20,000 rows for 100 members over two
    # years: 10+ ms on a small machine, growing with history). `rescore_day` now keeps each member's day
    # totals, and their running all-time totals, in step with the entries, in the same transaction.
    _run(
        db,
        """CREATE TABLE member_days (
            member_id INTEGER NOT NULL REFERENCES members(id),
            day TEXT NOT NULL,
            cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
            points INTEGER NOT NULL,
            interviews INTEGER NOT NULL,
            meetings INTEGER NOT NULL,
            PRIMARY KEY (member_id, day)
        ) WITHOUT ROWID""",
        "CREATE INDEX member_days_cohort ON member_days (cohort_id, day)",
        """CREATE TABLE member_totals (
            cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
            member_id INTEGER NOT NULL REFERENCES members(id),
            points INTEGER NOT NULL,
            interviews INTEGER NOT NULL,
            meetings INTEGER NOT NULL,
            PRIMARY KEY (cohort_id, member_id)
        ) WITHOUT ROWID""",
        """INSERT INTO member_days (member_id, day, cohort_id, points, interviews, meetings)
           SELECT member_id, happened_on, MIN(cohort_id), SUM(points), SUM(kind = 'interview'),
                  SUM(kind = 'networking')
           FROM activities WHERE deleted_at IS NULL AND status = 'done' GROUP BY member_id, happened_on""",
        """INSERT INTO member_totals (cohort_id, member_id, points, interviews, meetings)
           SELECT cohort_id, member_id, SUM(points), SUM(interviews), SUM(meetings)
           FROM member_days GROUP BY cohort_id, member_id""",
    )


@MIGRATIONS(name="0100_teams_conversations")
def teams_conversations(db: Database) -> None:
    db.execute(
        """CREATE TABLE teams_conversations (
            id INTEGER PRIMARY KEY,
            tenant_id TEXT NOT NULL,
            target_kind TEXT NOT NULL CHECK (target_kind IN ('user', 'channel', 'group')),
            target_id TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            team_id TEXT,
            reference TEXT NOT NULL,
            service_url TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (tenant_id, target_id)
        )"""
    )
    db.execute("CREATE INDEX teams_conversations_target ON teams_conversations (target_id)")


@MIGRATIONS(name="0101_teams_user_ids")
def teams_user_ids(db: Database) -> None:
    # Teams mentions name a member by their channel account id (29:...), while members are keyed by Azure AD
    # object id; every message we receive tells us which is which.
    db.execute(
        """CREATE TABLE teams_user_ids (
            tenant_id TEXT NOT NULL,
            channel_user_id TEXT NOT NULL,
            aad_object_id TEXT NOT NULL,
            PRIMARY KEY (tenant_id, channel_user_id)
        ) WITHOUT ROWID"""
    )


@MIGRATIONS(name="0005_applications")
def applications_and_fair_board(db: Database) -> None:
    # An offer or a rejection is the outcome of an application (a member's process with one organisation), not
    # another interview; entries typed long after the day they happened, or many at once, no longer move the
    # board. Each entry gains its application (interviews only), the day it was typed (in the member's timezone,
    # else the cohort's, else UTC) and whether it counts as an interview or meeting; the board's index covers the
    # count instead of the status. Existing entries are linked in logging order and the whole history is
    # rescored under these rules (storage/scoring.py), so the board equals a recomputation from the first day.
    _run(
        db,
        """CREATE TABLE applications (
            id INTEGER PRIMARY KEY,
            member_id INTEGER NOT NULL REFERENCES members(id),
            org TEXT NOT NULL,
            org_key TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (member_id, org_key)
        )""",
        "ALTER TABLE activities ADD COLUMN application_id INTEGER REFERENCES applications(id)",
        "ALTER TABLE activities ADD COLUMN logged_on TEXT",
        "ALTER TABLE activities ADD COLUMN counted INTEGER NOT NULL DEFAULT 0",
        "DROP INDEX activities_board",  # made again below, after the history is rescored (faster than kept up)
    )
    typed = [
        (local_day(datetime.fromisoformat(created), member_tz, cohort_tz).isoformat(), ident)
        for ident, created, member_tz, cohort_tz in db.execute(
            "SELECT a.id, a.created_at, m.tz, c.tz FROM activities AS a JOIN members AS m ON m.id = a.member_id "
            "JOIN cohorts AS c ON c.id = m.cohort_id"
        ).fetchall()
    ]
    db.conn.executemany("UPDATE activities SET logged_on = ? WHERE id = ?", typed)
    link_unlinked(db)
    for member_id, *rules in db.execute(
        "SELECT m.id, c.points_interview, c.points_offer_bonus, c.points_informational, c.points_meeting, "
        "c.points_event, c.daily_cap FROM members AS m JOIN cohorts AS c ON c.id = m.cohort_id "
        "WHERE m.id IN (SELECT DISTINCT member_id FROM activities)"
    ).fetchall():
        rescore(db, member_id, ScoringRules(*rules), (), from_start=True, keep_totals=False)
    rebuild_totals(db)
    _run(
        db,
        """CREATE INDEX activities_board ON activities (cohort_id, happened_on, member_id, kind, counted, points)
           WHERE deleted_at IS NULL""",
        "CREATE INDEX activities_application ON activities (application_id, happened_on) WHERE deleted_at IS NULL",
        "CREATE INDEX activities_member_logged ON activities (member_id, logged_on) WHERE deleted_at IS NULL",
    )


@MIGRATIONS(name="0006_journal")
def journal(db: Database) -> None:
    # Every change a member makes to their entries, so /cohort undo takes back the last one, then the one before.
    _run(
        db,
        """CREATE TABLE journal (
            id INTEGER PRIMARY KEY,
            member_id INTEGER NOT NULL REFERENCES members(id),
            activity_id INTEGER NOT NULL REFERENCES activities(id),
            action TEXT NOT NULL CHECK (action IN ('log', 'edit', 'delete')),
            before TEXT NOT NULL DEFAULT '{}',
            after TEXT NOT NULL DEFAULT '{}',
            at TEXT NOT NULL,
            undone_at TEXT
        )""",
        "CREATE INDEX journal_member ON journal (member_id, id) WHERE undone_at IS NULL",
    )


@MIGRATIONS(name="0007_time_of_day")
def time_of_day(db: Database) -> None:
    # "callback at Cravath tomorrow 2pm": the time is kept (shown back, and for reminders later), never in a name.
    _run(db, "ALTER TABLE activities ADD COLUMN time_of_day TEXT CHECK (time_of_day IS NULL OR "
             "time_of_day GLOB '[0-2][0-9]:[0-5][0-9]')")


@MIGRATIONS(name="0008_cohorts_and_roles")
def cohorts_and_roles(db: Database) -> None:
    # A coordinator runs cohorts without taking part (role 'coordinator', an admin only): no nudges, not on the
    # board, not counted. 'member' takes part; an admin who is a member is both. Logging an entry makes a
    # coordinator a member, whichever path stores it (the trigger). Admins who never logged anything are the people
    # who ran setup: they become coordinators. Cohort names are unique in a workspace, in any case. A cohort-wide
    # pause (exams, holidays) stops its nudges and summary and freezes every member's streak.
    _run(
        db,
        "ALTER TABLE members ADD COLUMN role TEXT NOT NULL DEFAULT 'member' "
        "CHECK (role IN ('member', 'coordinator') AND (role = 'member' OR is_admin = 1))",
        "UPDATE members SET role = 'coordinator' WHERE is_admin = 1 "
        "AND NOT EXISTS (SELECT 1 FROM activities AS a WHERE a.member_id = members.id)",
        """CREATE TRIGGER activities_take_part AFTER INSERT ON activities
           BEGIN UPDATE members SET role = 'member' WHERE id = NEW.member_id AND role = 'coordinator'; END""",
        "UPDATE cohorts SET name = name || ' ' || id WHERE EXISTS (SELECT 1 FROM cohorts AS c WHERE "
        "c.workspace_id = cohorts.workspace_id AND c.id < cohorts.id AND c.name = cohorts.name COLLATE NOCASE)",
        "CREATE UNIQUE INDEX cohorts_name ON cohorts (workspace_id, name COLLATE NOCASE)",
        "ALTER TABLE cohorts ADD COLUMN channel_name TEXT NOT NULL DEFAULT ''",  # to show: "#two-l", not C0TWO
        """CREATE TABLE cohort_pauses (
            id INTEGER PRIMARY KEY,
            cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
            starts_on TEXT NOT NULL,
            ends_on TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX cohort_pauses_cohort ON cohort_pauses (cohort_id, starts_on)",
    )


@MIGRATIONS(name="0009_admins_index")
def admins_index(db: Database) -> None:
    # The coordinators' weekly DM pages through each cohort's admins: without this, every page scanned every member
    # of the workspace (130 ms for 100,000 members, on the event loop).
    _run(db, "CREATE INDEX members_admins ON members (workspace_id, id) WHERE is_admin = 1")
