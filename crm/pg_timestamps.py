"""Timestamps read by psycopg's C parser, not by Django's Python subclass of it.

Django registers its own `timestamptz` loader on every PostgreSQL connection (a Python
subclass of psycopg's pure-Python loader, which sets the time zone on each value). The
subclass cannot use psycopg's compiled loader, and parsing in Python cost 56 ms per
10,000 values against 8 ms (measured on the load data): a worklist reads about 200, an
export tens of thousands.

Django keeps its connections in UTC (`SET TIME ZONE 'UTC'` before `connection_created`),
and psycopg's compiled loader then returns the same aware values Django's does (tzinfo
`datetime.timezone.utc`). So on such a connection the compiled loader is put back behind
a thin class that carries the `timezone` attribute Django checks on every cursor. A
database with its own `TIME_ZONE` setting keeps Django's loader.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def _compiled_loader_class():
    import psycopg
    from psycopg.adapt import Loader
    from psycopg.pq import Format

    # psycopg's own map holds the compiled loader when psycopg[binary] or [c] is there.
    compiled = psycopg.adapters.get_loader(psycopg.postgres.types["timestamptz"].oid, Format.TEXT)

    class UtcTimestamptzLoader(Loader):
        # What Django compares with the connection's time zone on every cursor.
        timezone = dt.UTC

        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._compiled = compiled(oid, context)

        def load(self, data):
            return self._compiled.load(data)

    return UtcTimestamptzLoader


_loader_class = None


def use_compiled_loader(sender, connection, **kwargs) -> None:
    """`connection_created` receiver (connected in `CrmConfig.ready`)."""
    global _loader_class
    if connection.vendor != "postgresql" or not settings.USE_TZ:
        return
    if connection.timezone is not dt.UTC:
        return  # a TIME_ZONE per database: Django's loader sets that zone on each value
    if _loader_class is None:
        _loader_class = _compiled_loader_class()
    connection.connection.adapters.register_loader("timestamptz", _loader_class)
