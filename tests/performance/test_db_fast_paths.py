"""The performance fast paths (`performance.db`) agree with their ORM references on the same
PostgreSQL data: given the March records of every indicator, the drill-down read merged
from per-membership index reads returns the reference's ids for any windows and page; a
recompute holds its period's lock until it commits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from crm.models import TeamMembership
from performance.db import scorecards as db
from performance.metrics import METRICS
from performance.services.scorecards import recompute_scorecards
from tests.performance.factories import default_indicators
from tests.support import unavailable

from .scorecard_data import MARCH, at, build_march

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        unavailable("the performance fast paths run on PostgreSQL")


@pytest.fixture
def march(org):
    default_indicators()
    return build_march(org)


def _windows(*, split: dt.datetime | None = None) -> list[db.Window]:
    """Every stay in March clipped to the month, optionally cut in two at `split`."""
    start, end = MARCH.bounds
    windows = []
    stays = TeamMembership.objects.overlapping(start, end).values_list(
        "member__user_id", "started_at", "ended_at"
    )
    for user_id, began, ended in stays:
        low, high = max(began, start), min(ended or end, end)
        if split and low < split < high:
            windows += [(user_id, low, split), (user_id, split, high)]
        elif low < high:
            windows.append((user_id, low, high))
    return windows


@pytest.mark.parametrize("source", sorted(METRICS))
def test_newest_in_windows_reads_the_reference_ids(postgres_only, march, source):
    """Both ways of reading a page (a page per membership; along the time index, as for a
    division or the center) return the reference's ids, for whole and cut windows."""
    metric = METRICS[source]
    every = _windows()
    cut = _windows(split=at(3, 15, 12))
    assert every
    ways = (False, True) if db.can_read_along_time(metric) else (False,)
    for along_time in ways:
        for windows in (every, cut, every[:1], every[1::2], cut[1::2]):
            for offset, limit in ((0, 3), (0, 51), (2, 3), (5, 2), (100, 10)):
                fast = db.newest_in_windows(
                    metric, windows, offset=offset, limit=limit, along_time=along_time
                )
                reference = db.newest_in_windows_reference(
                    metric, windows, offset=offset, limit=limit
                )
                assert fast == reference, (source, along_time, len(windows), offset, limit)


def test_a_wide_subject_reads_calls_along_the_time_index(postgres_only, march):
    """A division's or the center's calls (many agents) are read along the time index, a
    team's (a few) per membership: `along_time` left to the reader decides that way."""
    from leads.models import Call

    metric = METRICS["calls"]
    assert db._has_time_index(metric)
    windows = _windows()
    wide = db.WIDE_SUBJECT_AGENTS
    many = [(agent + n * 1_000_000, low, high) for n in range(wide) for agent, low, high in windows]
    read = []

    def capture(execute, sql, params, many_, context):
        read.append(sql)
        return execute(sql, params, many_, context)

    with connection.execute_wrapper(capture):
        db.newest_in_windows(metric, many, offset=0, limit=3)
        db.newest_in_windows(metric, windows[:3], offset=0, limit=3)
    wide, narrow = read
    assert "LATERAL" not in wide and Call._meta.db_table in wide
    assert "CROSS JOIN LATERAL" in narrow


def test_no_windows_read_nothing_either_way(postgres_only):
    metric = next(iter(METRICS.values()))
    assert db.newest_in_windows(metric, [], offset=0, limit=5) == []
    assert db.newest_in_windows_reference(metric, [], offset=0, limit=5) == []


def test_a_recompute_takes_its_periods_lock(postgres_only, march):
    def held() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND objid::bigint = %s",
                [db.recompute_lock_key(MARCH)],
            )
            return cursor.fetchone()[0] > 0

    assert not held()
    with transaction.atomic():
        db.recompute_take_turns(MARCH)
        assert held()
    assert recompute_scorecards(period=MARCH)["scorecards"] > 0
