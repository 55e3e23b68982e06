"""Backups and restores of the database file, and the lock that says a server is using it.

Every copy goes through SQLite's online backup API, never a file copy: the backup reads one consistent
snapshot (a read transaction, so the server keeps writing meanwhile, WAL included), and a restore writes pages
through SQLite into the live file, so a server's open connections and its WAL see one whole database, old or new.

A copy is written to a hidden file beside its final name and renamed into place only once it is whole and
checked, so a half-written backup never carries the final name. Backups are single files in rollback-journal
mode: copy them anywhere, no -wal beside them.

`cohortbot serve` holds a shared `flock` on `<database>.lock` for as long as it runs (the kernel drops it when
the process dies, so a crash leaves no stale lock); a restore takes it exclusively, so it sees a running server,
and a server does not start in the middle of a restore.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from storage.db import BUSY_TIMEOUT_MS, DatabaseUnavailable
from storage.migrations import MIGRATIONS

LEDGER = "_sqlite_migrations"  # sqlite-utils' Migrations ledger: every cohortbot database has one
NIGHTLY = re.compile(r"^cohortbot-\d{8}T\d{6}Z\.db$")


class BackupError(DatabaseUnavailable):
    """A backup or restore that cannot be done: one line naming the file and what is wrong."""


@dataclass(frozen=True)
class Copy:
    """A database file that was written and checked: where, how big, how many activity rows it holds."""

    path: Path
    size: int
    activities: int


@dataclass(frozen=True)
class Restored:
    path: Path
    activities: int
    replaced: Path | None  # the database that was there before, kept under this name
    was_in_use: bool  # a server held the database while it was replaced (--force)


def stamp(moment: datetime | None = None) -> str:
    """A UTC time as it appears in file names: 20261130T030000Z."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


# ---- checking a file ------------------------------------------------------------------------------------


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """An existing database file (never creates one)."""
    mode = "ro" if readonly else "rw"
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _integrity(conn: sqlite3.Connection, path: Path) -> None:
    rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    if rows != ["ok"]:
        found = "; ".join(rows[:3]) + ("; ..." if len(rows) > 3 else "")
        raise BackupError(f"{path} is damaged (integrity check: {found}); nothing was changed.")


def _activities(conn: sqlite3.Connection, path: Path) -> int:
    """Rows of activities, after making sure this is a cohortbot database this version can run."""
    has_ledger = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [LEDGER]).fetchone()
    applied = {str(r[0]) for r in conn.execute(f"SELECT name FROM {LEDGER} WHERE migration_set = ?",
                                               [MIGRATIONS.name])} if has_ledger else set()
    if not applied:
        raise BackupError(f"{path} is a SQLite file but not a cohortbot database (it has no cohortbot migrations).")
    unknown = applied - {m.name for m in MIGRATIONS.pending(Database(memory=True))}
    if unknown:
        raise BackupError(f"{path} was written by a newer cohortbot (migrations {', '.join(sorted(unknown))}); "
                          "upgrade cohortbot before restoring it.")
    return int(conn.execute("SELECT COUNT(*) FROM activities").fetchone()[0])


def check(path: str | Path) -> int:
    """Raise BackupError unless `path` is a whole cohortbot database; return its rows of activities."""
    where = Path(path)
    if not where.is_file():
        raise BackupError(f"There is no file at {where}.")
    try:
        with closing(_connect(where, readonly=True)) as conn:
            _integrity(conn, where)
            return _activities(conn, where)
    except sqlite3.DatabaseError as problem:
        what = "is not a SQLite database" if "not a database" in str(problem) else "is damaged"
        raise BackupError(f"{where} {what} ({problem}); nothing was changed.") from None


# ---- writing a copy -------------------------------------------------------------------------------------


def _fsync(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(target: Path, fill: Callable[[sqlite3.Connection], None], *, verify: bool = True) -> int:
    """Write a database file at `target` by `fill(connection)` into a hidden file beside it, checked, then renamed.

    Returns the rows of activities in the copy (0 when not verified).
    """
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(partial, check_same_thread=False)) as out:
            fill(out)
            out.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, whatever the source's mode
            activities = 0
            if verify:
                _integrity(out, target)
                activities = _activities(out, target)
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent, directory=True)
        return activities
    finally:
        partial.unlink(missing_ok=True)


def _destination(out: Path) -> Path:
    if out.is_dir():
        return out / f"cohortbot-{stamp()}.db"
    if not out.parent.is_dir():
        raise BackupError(f"The folder for the backup {out} does not exist: create {out.parent} first.")
    return out


def backup(source: str | Path, out: str | Path) -> Copy:
    """Copy the database at `source` to `out` (a file, or a folder to put a time-stamped file in), consistently
    while other connections write; raise BackupError with one line when it cannot."""
    src = Path(source)
    target = _destination(Path(out))
    if not src.is_file():
        raise BackupError(f"There is no database at {src} to back up.")
    if target.exists() and target.resolve() == src.resolve():
        raise BackupError(f"The backup {target} would overwrite the database itself; choose another file.")
    try:
        with closing(_connect(src)) as conn:
            activities = _write(target, lambda out_conn: conn.backup(out_conn))
    except sqlite3.DatabaseError as problem:
        raise BackupError(f"Could not back up {src} to {target}: {problem}.") from None
    except OSError as problem:
        raise BackupError(f"Could not write the backup {target}: {problem.strerror or problem}.") from None
    return Copy(target, target.stat().st_size, activities)


def nightly(source: str | Path, directory: str | Path, keep: int, now: datetime | None = None) -> tuple[Copy,
                                                                                                     list[Path]]:
    """One time-stamped backup in `directory` (created if need be), then only the newest `keep` are kept.

    Only files named like the nightly backups (cohortbot-YYYYMMDDTHHMMSSZ.db) are ever removed.
    """
    folder = backup_folder(directory)
    copy = backup(source, folder / f"cohortbot-{stamp(now)}.db")
    return copy, prune(folder, keep)


def backup_folder(directory: str | Path) -> Path:
    """The folder for nightly backups, created if need be; BackupError when it cannot be written."""
    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as problem:
        raise BackupError(f"Cannot create the backup folder {folder} (COHORTBOT_BACKUP_DIR): "
                          f"{problem.strerror or problem}.") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BackupError(f"The backup folder {folder} (COHORTBOT_BACKUP_DIR) is not writable by this user.")
    return folder


def prune(directory: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` nightly backups in `directory`; return what was removed."""
    ours = sorted(p for p in directory.iterdir() if NIGHTLY.match(p.name) and p.is_file())
    old = ours[: max(0, len(ours) - max(keep, 1))]
    for path in old:
        path.unlink(missing_ok=True)
    return old


# ---- who is using a database ----------------------------------------------------------------------------


def lock_path(db_path: str | Path) -> Path:
    where = Path(db_path)
    return where.with_name(where.name + ".lock")


class ServerLock:
    """A shared lock on `<database>.lock`, held by a running server; released by `release()` or process exit."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def hold_for_server(db_path: str | Path) -> ServerLock:
    """Take the shared server lock (several servers may hold it); BackupError while a restore runs on it."""
    path = lock_path(db_path)
    if str(db_path) == ":memory:" or not path.parent.is_dir():
        return ServerLock(None)  # open_db says what is wrong with the folder
    fd, writable = _open_lock(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise BackupError(f"A restore is replacing {db_path} right now; start the server when it has finished.") \
            from None
    if writable:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
    return ServerLock(fd)


def _open_lock(path: Path) -> tuple[int, bool]:
    """The lock file, created if need be; read-only when another user made it (flock works either way)."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644), True
    except PermissionError:
        try:
            return os.open(path, os.O_RDONLY), False
        except OSError as problem:
            raise BackupError(f"Cannot open the lock file {path}: {problem.strerror or problem}.") from None


def _take_exclusive(db_path: Path) -> tuple[int | None, str | None]:
    """(fd holding the exclusive lock, None), or (None, pid text of the server holding it)."""
    fd, _ = _open_lock(lock_path(db_path))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = os.pread(fd, 32, 0).decode(errors="replace").strip()
        os.close(fd)
        return None, pid or "?"
    return fd, None


def in_use(db_path: str | Path) -> str | None:
    """The pid (as text) of a server using the database now, or None."""
    if not lock_path(db_path).exists():
        return None
    fd, holder = _take_exclusive(Path(db_path))
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    return holder


# ---- restoring ------------------------------------------------------------------------------------------


def _keep(live: Path, moment: datetime | None) -> Path:
    """Keep the database about to be replaced as `<live>.replaced-<stamp>`: through the backup API when SQLite can
    read it, else (a damaged file) its bytes as they are, with its WAL beside it."""
    kept = live.with_name(f"{live.name}.replaced-{stamp(moment)}")
    n = 1
    while kept.exists():
        kept = live.with_name(f"{live.name}.replaced-{stamp(moment)}-{n}")
        n += 1
    try:
        with closing(_connect(live)) as conn:
            _write(kept, lambda out_conn: conn.backup(out_conn), verify=False)
    except sqlite3.DatabaseError:
        for suffix in ("", "-wal"):
            if Path(f"{live}{suffix}").exists():
                shutil.copy2(f"{live}{suffix}", f"{kept}{suffix}")
    return kept


def _replace_contents(source: Path, live: Path, exclusive: bool) -> None:
    """Write `source`'s pages into the live database through SQLite, WAL and other connections included."""
    try:
        dst = sqlite3.connect(live, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        dst.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError:
        if not exclusive:
            raise
        dst.close()  # a damaged file nobody uses (it was kept): start from a blank one
        for suffix in ("", "-wal", "-shm"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        dst = sqlite3.connect(live, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    with closing(dst), closing(_connect(source, readonly=True)) as src:
        dst.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        size = src.execute("PRAGMA page_size").fetchone()[0]
        if exclusive and dst.execute("PRAGMA page_size").fetchone()[0] != size:
            dst.execute("PRAGMA journal_mode = DELETE")  # WAL cannot change page size; nobody else is attached
        src.backup(dst)
        if exclusive:
            dst.execute("PRAGMA journal_mode = WAL")
        _integrity(dst, live)


def restore(source: str | Path, live: str | Path, *, force: bool = False, keep_replaced: bool = True,
            now: datetime | None = None) -> Restored:
    """Replace the database at `live` with the backup `source`, after checking that the backup is whole.

    Refuses (BackupError) a damaged or foreign file, and a database a running server holds unless `force`.
    """
    src, dst = Path(source), Path(live)
    check(src)
    if dst.exists() and dst.resolve() == src.resolve():
        raise BackupError(f"{src} is the database itself; restore from a backup file.")
    if dst.is_dir() or not dst.parent.is_dir():
        raise BackupError(f"Cannot restore to {dst}: its folder {dst.parent} does not exist or it is a folder.")
    fd, holder = _take_exclusive(dst)
    if holder is not None and not force:
        raise BackupError(f"{dst} is in use by a running cohortbot server (pid {holder}): stop it first "
                          "(systemctl stop cohortbot), or pass --force to replace the database under it.")
    try:
        replaced = _keep(dst, now) if keep_replaced and dst.is_file() and dst.stat().st_size else None
        _replace_contents(src, dst, exclusive=fd is not None)
        with closing(_connect(dst, readonly=True)) as conn:
            activities = _activities(conn, dst)
    except sqlite3.DatabaseError as problem:
        raise BackupError(f"Could not restore {src} into {dst}: {problem}.") from None
    except OSError as problem:
        raise BackupError(f"Could not restore {src} into {dst}: {problem.strerror or problem}.") from None
    finally:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
    return Restored(dst, activities, replaced, holder is not None)
