"""PostgreSQL timestamps come through psycopg's compiled loader (crm/pg_timestamps.py),
with the values Django's own loader gave: aware, in UTC."""

import datetime as dt

import pytest
from django.db import connection
from psycopg.pq import Format

from crm import pg_timestamps
from tests.support import unavailable

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL timestamps")
    connection.ensure_connection()


def test_the_connection_reads_timestamps_with_the_compiled_loader(postgres):
    loader = connection.connection.adapters.get_loader(1184, Format.TEXT)
    assert loader.__name__ == "UtcTimestamptzLoader" and loader.timezone is dt.UTC


def test_values_are_aware_utc_and_exact(postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT '2026-03-01 10:00:00.123456+08'::timestamptz, NULL::timestamptz,"
            " '1999-12-31 23:59:59-05'::timestamptz"
        )
        shanghai, nothing, new_york = cursor.fetchone()
    assert shanghai == dt.datetime(2026, 3, 1, 2, 0, 0, 123456, tzinfo=dt.UTC)
    assert shanghai.tzinfo is dt.UTC and nothing is None
    assert new_york == dt.datetime(2000, 1, 1, 4, 59, 59, tzinfo=dt.UTC)


def test_a_database_with_its_own_time_zone_keeps_djangos_loader(postgres, monkeypatch):
    registered = []

    class Adapters:
        def register_loader(self, *args):
            registered.append(args)

    class Fake:
        vendor = "postgresql"
        timezone = dt.timezone(dt.timedelta(hours=8))
        connection = type("C", (), {"adapters": Adapters()})()

    pg_timestamps.use_compiled_loader(None, Fake())
    assert registered == []
    Fake.timezone = dt.UTC
    pg_timestamps.use_compiled_loader(None, Fake())
    assert registered and registered[0][0] == "timestamptz"
