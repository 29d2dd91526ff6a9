"""A setting saved on its page applies at once in the saving process and within
`CONFIG_CACHE_SECONDS` in every other one (crm.config; the risk policy's shared copy)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test.utils import override_settings
from django.urls import reverse

from crm import config
from leads.models import CallingWindow, LeadPolicy
from leads.services.calling import CallingRules
from risk.models import POLICY_CACHE_KEY, RiskPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def caching():
    config.forget()
    with override_settings(CONFIG_CACHE_SECONDS=10):
        yield
    config.forget()


def _policy_data(**changes):
    data = {
        "grade_a_from": 70,
        "grade_b_from": 45,
        "grade_c_from": 20,
        "reclaim_after_days": 7,
        "pool_open_lead_cap": 200,
        "pool_daily_claim_limit": 20,
        "claim_back_cooloff_days": 7,
        "on_leave_handover": "reassign",
        "import_max_rows": 1000,
        "import_max_megabytes": 10,
        "max_attempts_per_day": "",
        "max_attempts_per_week": "",
    }
    return {**data, **changes}


def test_a_saved_policy_and_window_apply_at_once_here(caching, org, client_as):
    client = client_as(org.admin)
    assert LeadPolicy.cached().pool_daily_claim_limit == 20
    assert CallingRules.load().per_day is None
    client.post(
        reverse("configuration:lead_policy"),
        _policy_data(pool_daily_claim_limit=5, max_attempts_per_day=2),
    )
    assert LeadPolicy.cached().pool_daily_claim_limit == 5
    assert CallingRules.load().per_day == 2

    client.post(
        reverse("configuration:create", args=["calling-windows"]),
        {
            "name": "Day",
            "weekdays": "12345",
            "start": "09:00",
            "end": "18:00",
            "timezone": "Asia/Shanghai",
            "is_active": "on",
        },
    )
    assert [w.name for w in CallingRules.load().windows] == ["Day"]


def test_another_process_reads_the_change_within_the_config_seconds(caching, monkeypatch):
    window = CallingWindow.objects.create(name="Day", start=dt.time(9), end=dt.time(18))
    assert len(CallingRules.load().windows) == 1
    # Another process saved: this one got no signal (as if the row changed elsewhere).
    CallingWindow.objects.filter(pk=window.pk).update(is_active=False)
    assert len(CallingRules.load().windows) == 1
    later = config.time.monotonic() + 10.5
    monkeypatch.setattr(config.time, "monotonic", lambda: later)
    assert CallingRules.load().windows == ()


def test_the_risk_policy_is_forgotten_on_save_and_kept_no_longer_than_the_config_seconds(
    caching, org, client_as, monkeypatch
):
    assert RiskPolicy.current().export_max_rows == 50_000
    assert cache.get(POLICY_CACHE_KEY) is not None
    seconds = []
    original = cache.set
    monkeypatch.setattr(
        cache,
        "set",
        lambda key, value, timeout=None: (seconds.append(timeout), original(key, value, timeout)),
    )
    client_as(org.admin).post(
        reverse("configuration:risk_policy"),
        {
            "full_number_roles": ["admin"],
            "export_roles": ["admin"],
            "export_max_rows": 10,
            "anomaly_factor": 3,
            "anomaly_floor": 20,
        },
    )
    assert RiskPolicy.current().export_max_rows == 10
    assert seconds and seconds[-1] == 10
