"""Schema changes, as ordered named functions recorded by sqlite-utils' `Migrations` ledger.

Never edit a migration that has shipped; add a new one below it.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

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
        """CREATE INDEX activities_board ON activities (cohort_id, happened_on, member_id, kind, points)
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
