"""Opening the database file and running write transactions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from storage.migrations import MIGRATIONS

BUSY_TIMEOUT_MS = 10_000


class DatabaseUnavailable(Exception):
    """The database file cannot be used; the message names the path and what is wrong, in one line."""


def open_db(path: str | Path, *, migrate: bool = True) -> Database:
    """Open `path` (":memory:" for a throwaway database) ready for use by one process.

    Raises DatabaseUnavailable, naming the path and the problem, when the file cannot be opened or read.
    """
    where = Path(path)
    if str(path) != ":memory:":
        if where.is_dir():
            raise DatabaseUnavailable(f"The database path {where} is a folder; give a file name inside it, like "
                                      f"{where / 'cohortbot.db'}.")
        if not where.parent.is_dir():
            raise DatabaseUnavailable(f"The folder for the database {where} does not exist: create "
                                      f"{where.parent} first.")
    try:
        return _open(path, migrate)
    except sqlite3.DatabaseError as problem:  # OperationalError included
        raise DatabaseUnavailable(f"The database {where} cannot be used: {problem}. If the file is damaged, "
                                  "restore it from a backup.") from None


def writable(db: Database) -> str | None:
    """None when a write to the database would succeed now; otherwise why not (for health checks)."""
    conn = db.conn
    if conn.in_transaction:
        return None  # a command is writing right now
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("INSERT OR REPLACE INTO seen_events (key, seen_at) VALUES ('healthz-probe', '')")
        finally:
            conn.execute("ROLLBACK")
    except sqlite3.DatabaseError as problem:
        return str(problem)
    return None


def _open(path: str | Path, migrate: bool) -> Database:
    # check_same_thread=False: the aiohttp server and the scheduler share this connection on one event
    # loop thread, but tests and the shell may hand it to a worker thread.
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    db = Database(conn, execute_plugins=False)
    if migrate:
        MIGRATIONS.apply(db)
    return db


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """One write transaction, taking the write lock up front.

    BEGIN IMMEDIATE instead of sqlite-utils' deferred BEGIN: a deferred transaction that reads first and
    then writes can fail with "database is locked" when another process wrote in between; IMMEDIATE
    waits on the busy timeout instead.
    """
    conn = db.conn
    if conn.in_transaction:
        # Already inside the caller's transaction (a whole command runs in one): its commit or rollback covers
        # this block too. No savepoint: nothing catches an inner failure and carries on.
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
