"""Many rows written by one statement through the driver's ``executemany``.

Values are converted by their columns' own types, as SQLAlchemy converts them (so a date is
stored in the same form, and compares equal, whichever way it was written), but no statement is
compiled and no parameter dictionary built per row: at 100,000 postings that per-row work cost
more than the database's own. Rows are tuples in the order of the columns named. Statements run
with ``NUL_FREE``: their rows hold validated text.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table

from pipeline.store.schema import NUL_FREE

#: Rows per executemany: large enough to save round trips, small enough to bound memory.
CHUNK = 500


def marker(conn: Connection) -> str:
    """The driver's positional parameter marker: ``?`` (sqlite3) or ``%s`` (psycopg)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def insert_many(conn: Connection, table: Table, names: Sequence[str],
                rows: Sequence[tuple]) -> None:
    """Insert ``rows`` (values of the columns ``names``, in order) into ``table``."""
    mark = marker(conn)
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) "
           f"VALUES ({', '.join([mark] * len(names))})")
    _run(conn, sql, [table.c[name] for name in names], rows)


def update_many(conn: Connection, table: Table, names: Sequence[str],
                rows: Sequence[tuple]) -> None:
    """Set the columns ``names`` of the rows of ``table`` whose id is each row's last value."""
    mark = marker(conn)
    sql = (f"UPDATE {table.name} SET {', '.join(f'{name} = {mark}' for name in names)} "
           f"WHERE id = {mark}")
    _run(conn, sql, [table.c[name] for name in names] + [table.c.id], rows)


def _run(conn: Connection, sql: str, columns: list, rows: Sequence[tuple]) -> None:
    """Run ``sql`` for ``rows`` (``CHUNK`` at a time), their values converted by ``columns``."""
    processors = [(i, process) for i, column in enumerate(columns)
                  if (process := column.type.dialect_impl(conn.dialect)
                      .bind_processor(conn.dialect)) is not None]
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        if processors:
            chunk = [_converted(row, processors) for row in chunk]
        conn.exec_driver_sql(sql, list(chunk), execution_options=NUL_FREE)


def _converted(row: tuple, processors: list) -> tuple:
    values = list(row)
    for i, process in processors:
        values[i] = process(values[i])
    return tuple(values)
