"""`make bench ARGS=--http`: pages measured through gunicorn with the production settings."""

import pytest
from django.db import connection

from bench import http
from bench.measure import Measurement
from crm.models import Role
from tests.factories import TeamFactory, make_member
from tests.support import unavailable


@pytest.mark.django_db(transaction=True)
def test_http_mode_serves_the_pages_signed_in_through_a_real_socket(settings):
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL (the production settings need it)")
    settings.ROOT_URLCONF = "bench.urls"  # the floor page, as under bench.http_settings
    agent = make_member(role=Role.AGENT, team=TeamFactory()).user
    measurements = [
        Measurement("floor", "/bench/floor/", lambda: agent),
        # Signed out, the worklist redirects: a 200 shows the session made here held there.
        Measurement("worklist", "/leads/", lambda: agent, target_ms=60_000),
    ]
    results = http.measure_all(measurements, runs=3, warmup=1)
    assert [(r.name, r.status, r.runs) for r in results] == [
        ("floor", 200, 3),
        ("worklist", 200, 3),
    ]
    assert results[1].verdict == "PASS" and results[1].bytes > 1000
    assert all(r.median_ms > 0 and r.rows == "over HTTP" for r in results)
