"""Storage: the SQLite database and every SQL statement cohortbot runs.

`open_db(path)` opens (or creates) the file with WAL, foreign keys and a busy timeout, and applies pending
migrations. The modules beside this one each own one group of tables; their functions take the database
first and return small dataclasses. Nothing here imports a chat platform.
"""

from storage.db import open_db, transaction

__all__ = ["open_db", "transaction"]
