"""Targets: a manager for their team's agents and team, a head for the subtree, admins all."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from performance.models import Indicator, Target
from performance.periods import Period
from performance.services.targets import bulk_set_targets, set_target, target_subjects
from tests.performance.factories import default_indicators

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _indicators(db):
    default_indicators()


MAY = Period("month", dt.date(2026, 5, 1))


def _set(by, level, subject_id, value="10", code="calls"):
    return set_target(
        by=by,
        indicator=Indicator.objects.get(code=code),
        level=level,
        subject_id=subject_id,
        period=MAY,
        value=value,
    )


def _refused(*args, **kwargs):
    with pytest.raises(ValidationError) as caught:
        _set(*args, **kwargs)
    return caught.value


def test_a_manager_sets_targets_for_their_agents_and_team_only(org):
    manager = org.manager_a.user
    target = _set(manager, "agent", org.agent_a1.user.pk)
    assert (target.value, target.set_by, target.period_start) == (10, manager, MAY.start)
    assert _set(manager, "team", org.team_a.pk).team == org.team_a
    assert "agent" in _refused(manager, "agent", org.agent_b1.user.pk).message_dict
    assert "team" in _refused(manager, "team", org.team_b.pk).message_dict
    assert "department" in _refused(manager, "department", org.east.pk).message_dict


def test_setting_again_replaces_and_empty_removes(org):
    manager = org.manager_a.user
    _set(manager, "agent", org.agent_a1.user.pk, "10")
    _set(manager, "agent", org.agent_a1.user.pk, "12.5")
    assert Target.objects.get().value == Decimal("12.5")
    assert _set(manager, "agent", org.agent_a1.user.pk, None) is None
    assert not Target.objects.exists()


def test_a_head_sets_targets_in_their_subtree(org):
    south_head = org.south_head.user
    _set(south_head, "team", org.team_c.pk)
    _set(south_head, "department", org.south.pk)
    _set(south_head, "agent", org.agent_c1.user.pk)
    assert "team" in _refused(south_head, "team", org.team_a.pk).message_dict
    assert "department" in _refused(south_head, "department", org.center.pk).message_dict
    _set(org.admin.user, "department", org.center.pk)


def test_values_and_who_may_set(org):
    manager = org.manager_a.user
    assert "value" in _refused(manager, "agent", org.agent_a1.user.pk, "-1").message_dict
    assert "value" in _refused(manager, "agent", org.agent_a1.user.pk, "abc").message_dict
    assert "may not" in str(_refused(org.agent_a1.user, "agent", org.agent_a1.user.pk))
    assert "may not" in str(_refused(org.inspector.user, "agent", org.agent_a1.user.pk))
    Indicator.objects.filter(code="calls").update(is_active=False)
    assert "indicator" in _refused(manager, "agent", org.agent_a1.user.pk).message_dict


def test_bulk_is_all_or_nothing(org):
    calls = Indicator.objects.get(code="calls")
    manager = org.manager_a.user
    with pytest.raises(ValidationError):
        bulk_set_targets(
            by=manager,
            level="agent",
            period=MAY,
            rows=[(org.agent_a1.user.pk, calls, Decimal("5")), (org.agent_b1.user.pk, calls, 1)],
        )
    assert not Target.objects.exists()
    assert (
        bulk_set_targets(
            by=manager,
            level="agent",
            period=MAY,
            rows=[(org.agent_a1.user.pk, calls, Decimal("5")), (org.agent_a2.user.pk, calls, None)],
        )
        == 1
    )


def test_target_subjects_follow_the_scope(org):
    assert list(target_subjects(by=org.manager_a.user, level="agent")) == [
        org.agent_a1.user,
        org.agent_a2.user,
    ]
    assert list(target_subjects(by=org.south_head.user, level="team")) == [org.team_c]
    assert list(target_subjects(by=org.south_head.user, level="department")) == [org.south]
