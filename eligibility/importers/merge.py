"""Bulk merge of a keyed list into a table, in SQL that runs on PostgreSQL and SQLite.

The rows are loaded into a temporary table (COPY on PostgreSQL), the best row per key is
kept, and the target is brought in line with one INSERT … ON CONFLICT DO UPDATE that
touches only rows that differ and one DELETE of the keys the list no longer holds (within
the plan years it names). The counts and the NPNs affected are read before the writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

LOAD_CHUNK = 5000


@dataclass(frozen=True)
class MergeSpec:
    target: str  # table name
    keys: tuple[str, ...]  # unique key columns; the first is the NPN, the last the plan year
    values: tuple[str, ...]  # columns compared and updated
    # ORDER BY within a key: the first row wins when a list names one key twice.
    best_first: str


@dataclass
class MergeResult:
    added: int
    changed: int
    removed: int
    affected_npns: list[str]


def merge(spec: MergeSpec, rows: Iterable[Sequence[object]]) -> MergeResult:
    """Make `spec.target` hold exactly `rows` for the plan years they name. Call inside a
    transaction; `rows` are tuples in the order keys + values, dates as ISO strings."""
    columns = (*spec.keys, *spec.values)
    pg = connection.vendor == "postgresql"
    same = "IS NOT DISTINCT FROM" if pg else "IS"
    load, best = "hod_merge_load", "hod_merge_best"
    key_match = " AND ".join(f"t.{k} = b.{k}" for k in spec.keys)
    all_same = " AND ".join(f"t.{v} {same} b.{v}" for v in spec.values)
    year = spec.keys[-1]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {load}")
        cursor.execute(f"DROP TABLE IF EXISTS {best}")
        cursor.execute(f"CREATE TEMP TABLE {load} ({', '.join(f'{c} text' for c in columns)})")
        _load(cursor, load, columns, rows)
        casts = ", ".join(_cast(c, pg) for c in columns)
        cursor.execute(
            f"CREATE TEMP TABLE {best} AS SELECT {', '.join(columns)} FROM ("
            f" SELECT {casts}, ROW_NUMBER() OVER (PARTITION BY {', '.join(spec.keys)} ORDER BY {spec.best_first}) AS rn"
            f" FROM {load}) ranked WHERE rn = 1"
        )
        cursor.execute(f"CREATE INDEX hod_merge_best_key ON {best} ({', '.join(spec.keys)})")
        if pg:
            cursor.execute(f"ANALYZE {best}")
        new = (
            f"SELECT b.{spec.keys[0]} FROM {best} b WHERE NOT EXISTS (SELECT 1 FROM {spec.target} t WHERE {key_match})"
        )
        differ = f"SELECT b.{spec.keys[0]} FROM {best} b JOIN {spec.target} t ON {key_match} WHERE NOT ({all_same})"
        gone = (
            f"SELECT t.{spec.keys[0]} FROM {spec.target} t WHERE t.{year} IN (SELECT DISTINCT {year} FROM {best})"
            f" AND NOT EXISTS (SELECT 1 FROM {best} b WHERE {key_match})"
        )
        counts = []
        for query in (new, differ, gone):
            cursor.execute(f"SELECT COUNT(*) FROM ({query}) q")
            counts.append(cursor.fetchone()[0])
        cursor.execute(f"SELECT npn FROM agents_agent WHERE npn IN ({new} UNION {differ} UNION {gone})")
        affected = [row[0] for row in cursor.fetchall()]
        if counts[2]:
            cursor.execute(
                f"DELETE FROM {spec.target} WHERE {year} IN (SELECT DISTINCT {year} FROM {best})"
                f" AND NOT EXISTS (SELECT 1 FROM {best} b WHERE "
                + " AND ".join(f"{spec.target}.{k} = b.{k}" for k in spec.keys)
                + ")"
            )
        if counts[0] or counts[1]:
            updates = ", ".join(f"{v} = excluded.{v}" for v in spec.values)
            unchanged = " AND ".join(f"{spec.target}.{v} {same} excluded.{v}" for v in spec.values)
            cursor.execute(
                f"INSERT INTO {spec.target} ({', '.join(columns)})"
                f" SELECT {', '.join(columns)} FROM {best} WHERE true"
                f" ON CONFLICT ({', '.join(spec.keys)}) DO UPDATE SET {updates} WHERE NOT ({unchanged})"
            )
        cursor.execute(f"DROP TABLE {load}")
        cursor.execute(f"DROP TABLE {best}")
    return MergeResult(added=counts[0], changed=counts[1], removed=counts[2], affected_npns=affected)


def _cast(column: str, pg: bool) -> str:
    """Columns arrive as text; dates and years are typed for the target (by suffix)."""
    if column.endswith("_on"):
        return f"CAST({column} AS date) AS {column}" if pg else column
    if column == "plan_year":
        return f"CAST({column} AS integer) AS {column}"
    return column


def _load(cursor: object, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    raw = getattr(cursor, "cursor", cursor)
    if connection.vendor == "postgresql":
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
        return
    insert = f"INSERT INTO {table} VALUES ({', '.join('%s' for _ in columns)})"
    chunk: list[Sequence[object]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == LOAD_CHUNK:
            cursor.executemany(insert, chunk)  # type: ignore[attr-defined]
            chunk.clear()
    if chunk:
        cursor.executemany(insert, chunk)  # type: ignore[attr-defined]
