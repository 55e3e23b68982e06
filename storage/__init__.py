"""Storage: the SQLite database and every SQL statement cohortbot runs.

`open_db(path)` opens (or creates) the file with WAL, foreign keys and a busy timeout, and applies pending
migrations. The modules beside this one each own one group of tables; their functions take the database
first and return small dataclasses. Nothing here imports a chat platform.
"""

from storage.db import DatabaseUnavailable, open_db, transaction, writable

__all__ = ["DatabaseUnavailable", "open_db", "transaction", "writable"]
