"""The lead policy and calling hours are kept a few seconds per process (crm.config)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from crm import config
from leads.models import CallingWindow, LeadPolicy
from leads.services.calling import CallingRules


@pytest.fixture
def caching():
    config.forget()
    with override_settings(CONFIG_CACHE_SECONDS=60):
        yield
    config.forget()


@pytest.mark.django_db
def test_rules_are_read_once_then_kept(caching):
    CallingWindow.objects.create(
        name="Day", weekdays="12345", start=dt.time(9), end=dt.time(18), timezone="Asia/Shanghai"
    )
    with CaptureQueriesContext(connection) as first:
        rules = CallingRules.load()
    with CaptureQueriesContext(connection) as second:
        again = CallingRules.load()
    assert len(first) == 2 and len(second) == 0
    assert again is rules and [w.name for w in rules.windows] == ["Day"]


@pytest.mark.django_db
def test_a_saved_change_is_seen_at_once(caching):
    window = CallingWindow.objects.create(
        name="Day", weekdays="12345", start=dt.time(9), end=dt.time(18), timezone="Asia/Shanghai"
    )
    policy = LeadPolicy.cached()
    assert CallingRules.load().per_day is None
    policy.max_attempts_per_day = 3
    policy.save()
    assert CallingRules.load().per_day == 3
    assert LeadPolicy.cached().max_attempts_per_day == 3
    window.delete()
    assert CallingRules.load().windows == ()


@pytest.mark.django_db
def test_the_copy_expires(caching, monkeypatch):
    assert LeadPolicy.cached().pool_daily_claim_limit == 20
    LeadPolicy.objects.filter(pk=1).update(pool_daily_claim_limit=5)  # no signal
    assert LeadPolicy.cached().pool_daily_claim_limit == 20
    later = config.time.monotonic() + 61
    monkeypatch.setattr(config.time, "monotonic", lambda: later)
    assert LeadPolicy.cached().pool_daily_claim_limit == 5


@pytest.mark.django_db
def test_off_reads_every_time():
    with override_settings(CONFIG_CACHE_SECONDS=0), CaptureQueriesContext(connection) as captured:
        CallingRules.load()
        CallingRules.load()
    assert len(captured) == 4


@pytest.mark.django_db
def test_disposition_rules_are_kept_and_a_saved_rule_is_seen_at_once(caching):
    from leads.models import Disposition, DispositionRule
    from leads.services.followups import _rule_for, disposition_rules_install_defaults

    disposition_rules_install_defaults()
    config.forget()
    rule = DispositionRule.objects.get(disposition=Disposition.NO_ANSWER)
    with CaptureQueriesContext(connection) as first:
        _rule_for(Disposition.NO_ANSWER)
    with CaptureQueriesContext(connection) as second:
        _rule_for(Disposition.CALL_BACK)
    assert len(first) == 1 and len(second) == 0
    rule.retry_after_minutes = 7
    rule.save()
    assert _rule_for(Disposition.NO_ANSWER).retry_after_minutes == 7
    rule.delete()
    assert _rule_for(Disposition.NO_ANSWER).pk is None  # the inert rule
