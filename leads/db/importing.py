"""Writing many rows at once, for bulk imports: COPY on PostgreSQL, the ORM's bulk methods
elsewhere (SQLite in local runs), so both paths write the same rows. Each function
dispatches to a `…_orm` reference and a `…_pg` fast path, which tests run side by side.

Why not simply `bulk_create`/`bulk_update`: on PostgreSQL a model instance per row, and the
statements they build (UNNEST arrays or CASE per row, quoted in Python under psycopg's
client-side binding), cost more than all the rest of a 100,000-row import.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from ..models import Lead

BATCH_SIZE = 2000  # rows per statement where the ORM writes them


class JsonText(str):
    """A value for a JSON column, already encoded (`json_text`), e.g. by a reader thread."""


def insert_rows(
    model, columns: Sequence[str], rows: list[tuple], *, with_ids: bool = False
) -> list[int]:
    """Insert `rows` (see `inserting_rows`); return their ids when asked."""
    with inserting_rows(model, columns, rows, with_ids=with_ids) as ids:
        return ids


@contextlib.contextmanager
def inserting_rows(model, columns: Sequence[str], rows: list[tuple], *, with_ids: bool = False):
    """Insert `rows`, tuples of values for `columns` (attnames; other columns take their
    field defaults), giving the new ids (when asked) to the body of the `with`. On
    PostgreSQL with COPY (`inserting_rows_pg`), elsewhere with bulk_create
    (`inserting_rows_orm`)."""
    writer = inserting_rows_pg if connection.vendor == "postgresql" else inserting_rows_orm
    with writer(model, columns, rows, with_ids=with_ids) as ids:
        yield ids


@contextlib.contextmanager
def inserting_rows_orm(model, columns: Sequence[str], rows: list[tuple], *, with_ids: bool = False):
    """The reference: `bulk_create` of model instances (ids come back on every backend
    Django supports returning them from)."""
    if not rows:
        yield []
        return
    meta = model._meta
    by_name = {f.attname: f for f in meta.concrete_fields}
    json_columns = [
        i for i, name in enumerate(columns) if by_name[name].get_internal_type() == "JSONField"
    ]
    objects = []
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        for index in json_columns:
            if isinstance(row[index], JsonText):
                values[columns[index]] = json.loads(row[index])
        objects.append(model(**values))
    yield [obj.pk for obj in model.objects.bulk_create(objects, batch_size=BATCH_SIZE)]


@contextlib.contextmanager
def inserting_rows_pg(model, columns: Sequence[str], rows: list[tuple], *, with_ids: bool = False):
    """COPY (PostgreSQL only). The ids are drawn from the sequence first, so the body can
    use them while the server is still writing the rows; the COPY completes when the body
    ends. JSON values and times are turned into text here, once per distinct object (many
    leads share one list of score details, every row of a chunk one time), unless they
    come `JsonText` already: psycopg formats a datetime much more slowly than it copies
    a string.
    """
    if not rows:
        yield []
        return
    meta = model._meta
    by_name = {f.attname: f for f in meta.concrete_fields}
    json_columns = [
        i for i, name in enumerate(columns) if by_name[name].get_internal_type() == "JSONField"
    ]
    given = set(columns)
    now = timezone.now()
    # Columns not given take their defaults; a nullable one without any is left to the
    # database (NULL), which spares COPY a value per row.
    rest = [
        f
        for f in meta.concrete_fields
        if not f.primary_key
        and f.attname not in given
        and (_is_timestamp(f) or f.has_default() or not f.null)
    ]
    tail = tuple(
        _copy_text(now if _is_timestamp(f) else f.get_db_prep_save(f.get_default(), connection))
        for f in rest
    )
    time_columns = [
        i for i, name in enumerate(columns) if by_name[name].get_internal_type() == "DateTimeField"
    ]
    quote = connection.ops.quote_name
    names = [quote(by_name[name].column) for name in columns] + [quote(f.column) for f in rest]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if with_ids:
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                [_sequence(cursor, meta.db_table, meta.pk.column), len(rows)],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
            names.insert(0, quote(meta.pk.column))
        # id(object) → its text; the rows keep the objects alive, so ids stay unique.
        encoded: dict[int, str] = {}
        sql = f"COPY {quote(meta.db_table)} ({', '.join(names)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for position, row in enumerate(rows):
                if json_columns or time_columns:
                    row = list(row)
                    for index in json_columns:
                        value = row[index]
                        if not isinstance(value, JsonText):
                            text = encoded.get(id(value))
                            if text is None:
                                text = encoded[id(value)] = json_text(value)
                            row[index] = text
                    for index in time_columns:
                        value = row[index]
                        if value is not None:
                            text = encoded.get(id(value))
                            if text is None:
                                text = encoded[id(value)] = value.isoformat()
                            row[index] = text
                copy.write_row((ids[position], *row, *tail) if with_ids else (*row, *tail))
            yield ids


_sequences: dict[tuple[str, str, str], str] = {}


def _sequence(cursor, table: str, column: str) -> str:
    """The name of the sequence behind an id column, looked up once per process: as a
    literal, `nextval()` of it costs a tenth of `nextval(pg_get_serial_sequence(…))`."""
    key = (connection.alias, table, column)
    if key not in _sequences:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        _sequences[key] = cursor.fetchone()[0]
    return _sequences[key]


def _copy_text(value):
    """A default value as COPY gets it: times as text (see `inserting_rows`)."""
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _is_timestamp(field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def update_leads(leads: list, fields: list[str]) -> None:
    """Write `fields` of many leads in one statement (`update_leads_pg` on PostgreSQL,
    else `update_leads_orm`)."""
    if not leads:
        return
    if connection.vendor == "postgresql":
        update_leads_pg(leads, fields)
    else:
        update_leads_orm(leads, fields)


def update_leads_orm(leads: list, fields: list[str]) -> None:
    """The reference: `bulk_update`."""
    Lead.objects.bulk_update(leads, fields, batch_size=BATCH_SIZE)


def update_leads_pg(leads: list, fields: list[str]) -> None:
    """The new values travel as one JSON document (`UPDATE … FROM jsonb_to_recordset(%s)`):
    a statement with a placeholder per value, or arrays quoted in Python, costs more to
    build than to run."""
    if not leads:
        return
    model_fields = [Lead._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    columns = [quote(f.column) for f in model_fields]
    records = [
        {
            "id": lead.pk,
            **{f.column: getattr(lead, f.attname) for f in model_fields},
        }
        for lead in sorted(leads, key=lambda lead: lead.pk)  # in table order
    ]
    types = ", ".join(
        f"{column} {f.db_type(connection)}" for column, f in zip(columns, model_fields, strict=True)
    )
    assignments = ", ".join(f"{column} = v.{column}" for column in columns)
    sql = (
        f"UPDATE {quote(Lead._meta.db_table)} AS l SET {assignments} "  # noqa: S608 (names only)
        f"FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, {types}) WHERE l.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [json_text(records)])


def _json_default(value):
    """JSON for what a lead holds besides text and numbers: amounts and times, as text
    the column types read back exactly."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


json_text = json.JSONEncoder(
    ensure_ascii=False, check_circular=False, separators=(",", ":"), default=_json_default
).encode


def filter_by_phones(queryset, phones: set[str], *, field: str = "phone"):
    """`queryset` filtered to rows whose `field` (a phone, or any text without commas such
    as a phone's hash) is one of `phones` (`filter_by_phones_pg` on PostgreSQL, else
    `filter_by_phones_orm`)."""
    if connection.vendor == "postgresql":
        return filter_by_phones_pg(queryset, phones, field=field)
    return filter_by_phones_orm(queryset, phones, field=field)


def filter_by_phones_orm(queryset, phones: set[str], *, field: str = "phone"):
    """The reference: `phone IN (…)`."""
    return queryset.filter(**{f"{field}__in": list(phones)})


def filter_by_phones_pg(queryset, phones: set[str], *, field: str = "phone"):
    """The phones travel as one text parameter the server splits (a statement with
    thousands of placeholders, or an array quoted in Python, costs more to build than to
    run), and `= ANY` walks the unique phone index in order."""
    column = connection.ops.quote_name(queryset.model._meta.get_field(field).column)
    condition = RawSQL(  # noqa: S611 - a quoted column name; the phones are a parameter
        f"{column} = ANY(string_to_array(%s, ','))", [",".join(phones)], BooleanField()
    )
    return queryset.filter(condition)
