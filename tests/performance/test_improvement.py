"""Improvement plans: opened by hand or from a suggestion, coached, closed with an outcome."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from crm.models import Notification
from performance.models import CoachingSession, ImprovementPlan
from performance.selectors import people as selectors
from performance.services import improvement
from tests.factories import make_member
from tests.performance.people_fixtures import MARCH, scorecard

Status = ImprovementPlan.Status


def field_of(error) -> set[str]:
    return set(error.value.message_dict)


def open_plan(org, *, by="manager_a", agent="agent_a1", **extra):
    today = timezone.localdate()
    return improvement.improvement_plan_open(
        by=getattr(org, by).user,
        agent=getattr(org, agent).user,
        reason=extra.pop("reason", "总分低"),
        goals=extra.pop("goals", "每日 40 通"),
        starts_on=extra.pop("starts_on", today),
        due_on=extra.pop("due_on", today + dt.timedelta(days=30)),
        **extra,
    )


def test_a_manager_opens_a_plan_and_the_agent_hears_of_it(org):
    plan = open_plan(org)
    assert plan.status == Status.OPEN and plan.origin == ImprovementPlan.Origin.MANUAL
    assert plan.team == org.team_a and plan.coach == org.manager_a.user
    assert Notification.objects.filter(
        user=org.agent_a1.user, key=f"improvement-opened:{plan.pk}"
    ).exists()


def test_one_open_plan_per_agent_is_a_form_error(org):
    open_plan(org)
    with pytest.raises(ValidationError) as error:
        open_plan(org, by="head")
    assert field_of(error) == {"agent"}
    assert ImprovementPlan.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"reason": " "}, "reason"),
        ({"goals": ""}, "goals"),
        ({"due_on": dt.date(2000, 1, 1)}, "due_on"),
        ({"by": "manager_b"}, "agent"),
        ({"by": "agent_a2"}, "agent"),
        ({"agent": "manager_a"}, "agent"),
    ],
)
def test_refusals_name_the_field(org, extra, field):
    with pytest.raises(ValidationError) as error:
        open_plan(org, **extra)
    assert field_of(error) == {field}


def test_sessions_and_check_ins_record_progress(org):
    plan = open_plan(org)
    improvement.coaching_session_add(by=org.manager_a.user, plan=plan, notes="开场白", progress=20)
    improvement.coaching_session_add(
        by=org.manager_a.user, plan=plan, notes="复盘", progress=60, kind="check_in"
    )
    assert list(plan.sessions.values_list("kind", "progress")) == [
        ("coaching", 20),
        ("check_in", 60),
    ]
    row = selectors.improvement_plans_for_list(org.manager_a.user).get(pk=plan.pk)
    assert row.session_count == 2 and row.progress == 60
    for bad, field in (({"progress": 101}, "progress"), ({"notes": ""}, "notes")):
        kwargs = {"notes": "x", "progress": 10, **bad}
        with pytest.raises(ValidationError) as error:
            improvement.coaching_session_add(by=org.manager_a.user, plan=plan, **kwargs)
        assert field_of(error) == {field}
    with pytest.raises(ValidationError) as error:
        improvement.coaching_session_add(by=org.manager_b.user, plan=plan, notes="x", progress=1)
    assert field_of(error) == {"plan"}


@pytest.mark.parametrize("status", [Status.SUCCEEDED, Status.FAILED, Status.CANCELLED])
def test_a_plan_closes_with_an_outcome(org, status):
    plan = open_plan(org)
    closed = improvement.improvement_plan_close(
        by=org.manager_a.user, plan=plan, status=status, outcome="达标"
    )
    assert closed.status == status and closed.closed_at and closed.outcome == "达标"
    assert Notification.objects.filter(key=f"improvement-closed:{plan.pk}").exists()
    with pytest.raises(ValidationError) as error:
        improvement.improvement_plan_close(
            by=org.manager_a.user, plan=plan, status=status, outcome="x"
        )
    assert field_of(error) == {"status"}
    with pytest.raises(ValidationError) as error:
        improvement.coaching_session_add(by=org.manager_a.user, plan=plan, notes="x", progress=1)
    assert field_of(error) == {"status"}
    assert open_plan(org).status == Status.OPEN  # a new plan may follow a closed one


def test_closing_needs_a_result_and_an_outcome(org):
    plan = open_plan(org)
    for status, outcome, field in ((Status.OPEN, "x", "status"), (Status.FAILED, "", "outcome")):
        with pytest.raises(ValidationError) as error:
            improvement.improvement_plan_close(
                by=org.manager_a.user, plan=plan, status=status, outcome=outcome
            )
        assert field_of(error) == {field}


def test_overdue_open_plans_are_flagged_first(org):
    today = timezone.localdate()
    late = open_plan(
        org, starts_on=today - dt.timedelta(days=40), due_on=today - dt.timedelta(days=1)
    )
    on_time = open_plan(org, agent="agent_a2")
    rows = list(selectors.improvement_plans_for_list(org.manager_a.user))
    assert [(r.pk, r.is_overdue) for r in rows] == [(late.pk, True), (on_time.pk, False)]
    assert [
        r.pk for r in selectors.improvement_plans_for_list(org.manager_a.user, overdue=True)
    ] == [late.pk]


# --- suggestions --------------------------------------------------------------------------


def test_low_totals_are_suggested_unless_a_plan_is_open(org):
    low = scorecard(org.agent_a1, MARCH, "59.99")
    scorecard(org.agent_a2, MARCH, "60")
    scorecard(org.agent_b1, MARCH, "10")  # team_b: not manager_a's
    suggested = improvement.suggest_improvement_plans(by=org.manager_a.user, period=MARCH)
    assert [(s.scorecard, s.below_threshold) for s in suggested] == [(low, True)]
    open_plan(org)
    assert improvement.suggest_improvement_plans(by=org.manager_a.user, period=MARCH) == []
    assert len(improvement.suggest_improvement_plans(by=org.head.user, period=MARCH)) == 1


@override_settings(PERFORMANCE_IMPROVEMENT_BELOW=10)
def test_the_bottom_ten_percent_of_a_team_is_suggested(org):
    members = [org.agent_a1, org.agent_a2] + [make_member(team=org.team_a) for _ in range(8)]
    cards = [scorecard(m, MARCH, str(90 - i)) for i, m in enumerate(members)]
    suggested = improvement.suggest_improvement_plans(by=org.manager_a.user, period=MARCH)
    assert [(s.scorecard, s.bottom_of_team, s.below_threshold) for s in suggested] == [
        (cards[-1], True, False)
    ]


@override_settings(PERFORMANCE_IMPROVEMENT_BELOW=10)
def test_a_small_team_has_no_bottom_ten_percent(org):
    scorecard(org.agent_a1, MARCH, "20")
    scorecard(org.agent_a2, MARCH, "90")
    assert improvement.suggest_improvement_plans(by=org.manager_a.user, period=MARCH) == []


def test_a_suggestion_opens_in_one_click_with_the_scorecard_linked(org):
    card = scorecard(org.agent_a1, MARCH, "40")
    plan = improvement.suggested_plan_open(by=org.manager_a.user, scorecard=card)
    assert plan.origin == ImprovementPlan.Origin.SUGGESTED and plan.scorecard == card
    assert "40" in plan.reason and plan.due_on > plan.starts_on


def test_suggestions_cost_a_constant_number_of_queries(org, django_assert_max_num_queries):
    for member in [org.agent_a1, org.agent_a2] + [make_member(team=org.team_a) for _ in range(6)]:
        scorecard(member, MARCH, "30")
    with django_assert_max_num_queries(6):
        rows = improvement.suggest_improvement_plans(by=org.head.user, period=MARCH)
        assert [s.team_name for s in rows]
    assert Decimal(len(rows)) == 8
    assert CoachingSession.objects.count() == 0


def test_coaches_hear_once_of_overdue_plans(org):
    from performance.tasks_people import improvement_overdue_sweep

    today = timezone.localdate()
    late = open_plan(
        org, starts_on=today - dt.timedelta(days=40), due_on=today - dt.timedelta(days=1)
    )
    open_plan(org, agent="agent_a2")  # not due yet
    assert improvement_overdue_sweep() == 1
    assert improvement_overdue_sweep() == 0
    note = Notification.objects.get(key=f"improvement-overdue:{late.pk}")
    assert note.user == org.manager_a.user and org.agent_a1.display_name in note.text
