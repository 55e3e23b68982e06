"""The coordinator's export: a workspace's entries, one row each, as a CSV work-search log.

Deleted entries are left out. Private notes are read only when asked for (the server's `cohortbot export --notes`;
the chat command never asks). Every query is scoped by workspace; the cohort is the one an entry was logged in.
The CSV is UTF-8 with a header row, and a cell that a spreadsheet would run as a formula (starting with =, +, -,
@, a tab or a carriage return) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime

from sqlite_utils import Database

COLUMNS = ("date", "time", "cohort", "member_id", "member", "kind", "stage_or_type", "organisation", "status",
           "points", "created_at")
NOTES = "notes"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Workspace:
    key: int  # our database key
    platform: str
    external_id: str  # the platform's id: Slack team, Teams tenant, "local" for the shell


@dataclass(frozen=True)
class CohortName:
    id: int
    name: str


@dataclass(frozen=True)
class Row:
    """One entry as the export writes it (COLUMNS, in order, then the notes when asked for)."""

    date: str  # the day it happened (ISO)
    time: str  # "14:00", or empty
    cohort: str
    member_id: str  # the platform's user id
    member: str  # the member's name (their id when no name is known)
    kind: str  # interview or networking
    stage_or_type: str
    organisation: str
    status: str  # done, planned or cancelled
    points: int
    created_at: str  # when it was logged, ISO UTC
    notes: str = ""


def workspaces(db: Database, external_id: str = "", platform: str = "") -> list[Workspace]:
    """Every workspace (or those with this platform id, on this platform), oldest first."""
    sql, params = "SELECT id, platform, external_id FROM workspaces WHERE 1 = 1", list[str]()
    for column, value in (("external_id", external_id), ("platform", platform)):
        if value:
            sql += f" AND {column} = ?"
            params.append(value)
    return [Workspace(*row) for row in db.execute(sql + " ORDER BY id", params).fetchall()]


def cohorts(db: Database, workspace_key: int) -> list[CohortName]:
    rows = db.execute("SELECT id, name FROM cohorts WHERE workspace_id = ? ORDER BY id", [workspace_key])
    return [CohortName(*row) for row in rows.fetchall()]


def find_cohort(db: Database, workspace_key: int, name: str) -> CohortName | None:
    """The workspace's cohort called `name` (any case, spacing trimmed); None when there is none."""
    wanted = " ".join(name.split()).casefold()
    return next((c for c in cohorts(db, workspace_key) if " ".join(c.name.split()).casefold() == wanted), None)


def entries(db: Database, workspace_key: int, *, cohort_id: int | None = None, since: date | None = None,
            notes: bool = False) -> list[Row]:
    """The workspace's live entries (one cohort's, from `since` on), by the day and time they happened."""
    note = "a.notes" if notes else "''"
    sql = (
        "SELECT a.happened_on, COALESCE(a.time_of_day, ''), c.name, m.user_id, "
        "CASE WHEN m.display_name != '' THEN m.display_name ELSE m.user_id END, a.kind, a.subtype, a.org, "
        f"a.status, a.points, a.created_at, {note} "
        "FROM activities AS a JOIN members AS m ON m.id = a.member_id JOIN cohorts AS c ON c.id = a.cohort_id "
        "WHERE a.workspace_id = ? AND a.deleted_at IS NULL"
    )
    params: list[object] = [workspace_key]
    if cohort_id is not None:
        sql += " AND a.cohort_id = ?"
        params.append(cohort_id)
    if since is not None:
        sql += " AND a.happened_on >= ?"
        params.append(since.isoformat())
    sql += " ORDER BY a.happened_on, COALESCE(a.time_of_day, ''), a.created_at, a.id"
    return [Row(*[*row[:10], _utc(row[10]), row[11]]) for row in db.execute(sql, params).fetchall()]


def _utc(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: a leading =, +, -, @, tab or carriage return gets an apostrophe."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(rows: Sequence[Row], *, notes: bool = False) -> bytes:
    """The rows as CSV (UTF-8, a header row, CRLF line ends), notes as the last column only when asked for."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow((*COLUMNS, NOTES) if notes else COLUMNS)
    names = [f.name for f in fields(Row)][: len(COLUMNS) + (1 if notes else 0)]
    for row in rows:
        writer.writerow([safe_cell(getattr(row, name)) for name in names])
    return out.getvalue().encode("utf-8")


def filename(cohort: str | None, today: date) -> str:
    """`cohortbot-<cohort or all-cohorts>-<date>.csv`, safe on any file system."""
    slug = _NOT_SLUG.sub("-", (cohort or "all cohorts").casefold()).strip("-")[:40].strip("-") or "cohort"
    return f"cohortbot-{slug}-{today.isoformat()}.csv"
