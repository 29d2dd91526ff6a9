"""Fast writes for the generator: COPY for big tables, TRUNCATE to start a step over.

`bulk_create` is fine for thousands of rows that need their ids back (users, members).
Tables of millions of rows whose ids nobody needs right away (leads, follow-ups, history)
go through `copy_rows`, which streams them with PostgreSQL's COPY, an order of magnitude
faster and flat in memory when given a generator.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model
from psycopg import sql
from psycopg.types.json import Jsonb


def copy_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY `rows` (tuples in the order of `fields`) into `model`'s table; return the count.

    Values are written as they are: fields with defaults, `auto_now` and the like get no
    value unless listed. Dicts and lists go to JSON columns.
    """
    opts = model._meta
    columns = [opts.get_field(name).column for name in fields]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(opts.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([Jsonb(v) if isinstance(v, dict | list) else v for v in row])
            count += 1
    return count


def truncate(models: Iterable[type[Model]]) -> None:
    """Empty the tables (and, by CASCADE, every table pointing at them); restart ids."""
    tables = [sql.Identifier(model._meta.db_table) for model in models]
    if not tables:
        return
    statement = sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(sql.SQL(", ").join(tables))
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(cursor.cursor))


def analyze() -> None:
    """Refresh the planner's statistics and the visibility map, as autovacuum does on a
    running system after a bulk load: fresh tables get realistic plans, and index-only
    scans (the covering (agent, time) indexes) need not visit the table. Runs outside a
    transaction (VACUUM cannot run in one)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def exact_count(model: type[Model]) -> int:
    return model._base_manager.count()


def move_sequences(models: Iterable[type[Model]]) -> None:
    """COPY with explicit ids leaves the sequences behind; move them past the rows."""
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            query = sql.SQL(
                "SELECT setval(pg_get_serial_sequence({name}, 'id'),"
                " GREATEST((SELECT MAX(id) FROM {table}), 1))"
            ).format(name=sql.Literal(table), table=sql.Identifier(table))
            cursor.execute(query.as_string(cursor.cursor))
