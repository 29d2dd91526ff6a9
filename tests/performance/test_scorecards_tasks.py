"""The recompute jobs: on the beat, and really run on a Celery worker, idempotently."""

import datetime as dt

import pytest

from crm.celery import app
from performance import tasks
from performance.models import Scorecard, ScorecardValue
from performance.services.scorecards import current_periods

from .scorecard_data import MARCH, build_march

WAIT = 60


def test_beat_recomputes_the_current_scorecards():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "performance.tasks.recompute_current_scorecards" in scheduled
    assert "performance.tasks.recompute_current_scorecards" in app.tasks


def test_current_periods_include_last_month_early_in_a_month():
    early = [str(p) for p in current_periods(today=dt.date(2026, 4, 2))]
    assert early == ["2026-03-30–04-05", "2026-04", "2026 Q2", "2026-03"]
    assert len(current_periods(today=dt.date(2026, 4, 10))) == 3


@pytest.mark.django_db(transaction=True)
def test_recompute_runs_on_a_worker_and_twice_changes_nothing(org, celery_worker):
    # Not serialized_rollback: restoring the whole database collides with rows other tests
    # left (content types), depending on the order; the indicators are put back instead.
    from tests.performance.factories import default_indicators

    default_indicators()
    build_march(org)
    first = tasks.recompute_scorecards_task.delay("month", "2026-03-17").get(timeout=WAIT)
    rows = list(ScorecardValue.objects.order_by("id").values_list("id", "value"))
    second = tasks.recompute_scorecards_task.delay("month", "2026-03-01").get(timeout=WAIT)
    assert first == second and first["scorecards"] == Scorecard.objects.count()
    assert list(ScorecardValue.objects.order_by("id").values_list("id", "value")) == rows
    assert Scorecard.objects.filter(period_start=MARCH.start).count() == first["scorecards"]


@pytest.mark.django_db
def test_changing_a_weight_in_the_admin_recomputes_once(
    org, client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from performance.models import KpiWeight
    from tests.performance.factories import default_indicators

    default_indicators()
    weight = KpiWeight.objects.filter(level="agent").first()
    client.force_login(org.admin.user)
    url = reverse("admin:performance_kpiweight_change", args=[weight.pk])
    data = {"indicator": weight.indicator_id, "level": "agent", "weight": "7"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = client.post(url, data)
    assert answer.status_code == 302, answer.content[:500]
    assert len(callbacks) == 1
