"""360-degree reviews: who opens and rates, how the scores are made, development plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.models import MemberStatus, Notification
from performance.models import DevelopmentPlan, Evaluation, EvaluationRating
from performance.selectors import people as selectors
from performance.services import reviews
from tests.factories import make_member
from tests.performance.people_fixtures import MARCH, local, revisit_done, scorecard
from tests.training.factories import CourseFactory

Kind = EvaluationRating.Kind


def field_of(error: ValidationError) -> set[str]:
    return set(error.value.message_dict)


@pytest.fixture
def review(org):
    return reviews.open_evaluation(by=org.manager_a.user, agent=org.agent_a1.user, period=MARCH)


# --- opening ------------------------------------------------------------------------------


def test_a_manager_opens_one_review_per_agent_and_period(org, review):
    assert review.status == Evaluation.Status.OPEN
    assert review.period_start == MARCH.start and review.created_by == org.manager_a.user
    with pytest.raises(ValidationError) as error:
        reviews.open_evaluation(by=org.manager_a.user, agent=org.agent_a1.user, period=MARCH)
    assert field_of(error) == {"period_start"}


@pytest.mark.parametrize("who", ["manager_b", "agent_a2", "south_head"])
def test_only_managers_over_the_agent_open_a_review(org, who):
    with pytest.raises(ValidationError) as error:
        reviews.open_evaluation(by=getattr(org, who).user, agent=org.agent_a1.user, period=MARCH)
    assert field_of(error) == {"agent"}


def test_a_head_opens_reviews_in_the_subtree_and_nobody_reviews_themselves(org):
    assert reviews.open_evaluation(by=org.head.user, agent=org.agent_c1.user, period=MARCH)
    with pytest.raises(ValidationError):
        reviews.open_evaluation(by=org.manager_a.user, agent=org.manager_a.user, period=MARCH)


def test_a_whole_team_is_opened_at_once_and_twice_adds_nothing(org):
    left = make_member(team=org.team_a)
    from crm import services as crm_services

    crm_services.member_set_status(
        member=left,
        status=MemberStatus.LEFT,
        leave_date=left.hire_date + dt.timedelta(days=1),
        leave_reason="resigned",
    )
    count = reviews.open_team_evaluations(by=org.manager_a.user, team=org.team_a, period=MARCH)
    assert count == 2
    assert set(Evaluation.objects.values_list("agent_id", flat=True)) == {
        org.agent_a1.user_id,
        org.agent_a2.user_id,
    }
    assert reviews.open_team_evaluations(by=org.manager_a.user, team=org.team_a, period=MARCH) == 0
    with pytest.raises(ValidationError) as error:
        reviews.open_team_evaluations(by=org.manager_a.user, team=org.team_b, period=MARCH)
    assert field_of(error) == {"team"}


# --- rating -------------------------------------------------------------------------------


def test_supervisor_peer_and_self_rate_each_in_their_own_capacity(org, review):
    reviews.rate(by=org.manager_a.user, evaluation=review, kind=Kind.SUPERVISOR, score=4)
    reviews.rate(by=org.head.user, evaluation=review, kind=Kind.SUPERVISOR, score=5)
    reviews.rate(by=org.agent_a2.user, evaluation=review, kind=Kind.PEER, score=3)
    reviews.rate(by=org.agent_a1.user, evaluation=review, kind=Kind.SELF, score=5)
    assert sorted(review.ratings.values_list("kind", "score")) == [
        ("peer", 3),
        ("self", 5),
        ("supervisor", 4),
        ("supervisor", 5),
    ]


def test_rating_again_changes_ones_rating(org, review):
    reviews.rate(by=org.manager_a.user, evaluation=review, kind=Kind.SUPERVISOR, score=2)
    reviews.rate(
        by=org.manager_a.user, evaluation=review, kind=Kind.SUPERVISOR, score=4, comment="好"
    )
    assert list(review.ratings.values_list("score", "comment")) == [(4, "好")]


@pytest.mark.parametrize(
    ("who", "kind"),
    [
        ("agent_b1", Kind.PEER),  # another team
        ("agent_a1", Kind.PEER),  # oneself
        ("agent_a2", Kind.SUPERVISOR),  # a peer is not a supervisor
        ("manager_a", Kind.SELF),
        ("manager_b", Kind.SUPERVISOR),  # not over the agent
        ("manager_a", Kind.CUSTOMER),  # computed, never typed in
    ],
)
def test_nobody_rates_in_a_capacity_they_do_not_have(org, review, who, kind):
    with pytest.raises(ValidationError) as error:
        reviews.rate(by=getattr(org, who).user, evaluation=review, kind=kind, score=3)
    assert field_of(error) == {"kind"}


def test_a_peer_on_leave_does_not_rate(org, review):
    from crm import services as crm_services

    crm_services.member_set_status(member=org.agent_a2, status=MemberStatus.ON_LEAVE)
    with pytest.raises(ValidationError):
        reviews.rate(by=org.agent_a2.user, evaluation=review, kind=Kind.PEER, score=3)


@pytest.mark.parametrize("score", [0, 6, True])
def test_a_score_is_one_to_five(org, review, score):
    with pytest.raises(ValidationError) as error:
        reviews.rate(by=org.manager_a.user, evaluation=review, kind=Kind.SUPERVISOR, score=score)
    assert field_of(error) == {"score"}


def test_peers_are_anonymous_to_the_rated_agent_not_to_the_manager(org, review):
    reviews.rate(by=org.agent_a2.user, evaluation=review, kind=Kind.PEER, score=3)
    reviews.rate(by=org.manager_a.user, evaluation=review, kind=Kind.SUPERVISOR, score=4)
    seen_by_agent = {
        s.rating.kind: s.rater_name for s in selectors.ratings_for(org.agent_a1.user, review)
    }
    assert seen_by_agent[Kind.PEER] is None
    assert seen_by_agent[Kind.SUPERVISOR] == org.manager_a.display_name
    seen_by_manager = {
        s.rating.kind: s.rater_name for s in selectors.ratings_for(org.manager_a.user, review)
    }
    assert seen_by_manager[Kind.PEER] == org.agent_a2.display_name


# --- closing ------------------------------------------------------------------------------


def test_closing_computes_customer_qualitative_and_final_scores(org, review):
    # Supervisors 4 and 5 (mean 4.5 → 90), peer 3 (60), self 5 (100).
    reviews.rate(by=org.manager_a.user, evaluation=review, kind=Kind.SUPERVISOR, score=4)
    reviews.rate(by=org.head.user, evaluation=review, kind=Kind.SUPERVISOR, score=5)
    reviews.rate(by=org.agent_a2.user, evaluation=review, kind=Kind.PEER, score=3)
    reviews.rate(by=org.agent_a1.user, evaluation=review, kind=Kind.SELF, score=5)
    # Customers: 5 and 4 in March (mean 4.5 → 90); April and another agent's do not count.
    revisit_done(org.agent_a1, 5, local(2026, 3, 1, 0, 0))
    revisit_done(org.agent_a1, 4, local(2026, 3, 31, 23, 59))
    revisit_done(org.agent_a1, 1, local(2026, 4, 1, 0, 0))
    revisit_done(org.agent_a2, 1, local(2026, 3, 10, 10, 0))
    scorecard(org.agent_a1, MARCH, "70")

    closed = reviews.close_evaluation(by=org.manager_a.user, evaluation=review, summary="好")

    # (50×90 + 20×60 + 10×100 + 20×90) / 100 = 85; final 0.6×70 + 0.4×85 = 76.
    assert closed.status == Evaluation.Status.CLOSED and closed.closed_at
    assert closed.quantitative == Decimal("70.00")
    assert closed.qualitative == Decimal("85.00")
    assert closed.final == Decimal("76.00")
    assert closed.summary == "好"
    customer = review.ratings.get(kind=Kind.CUSTOMER)
    assert customer.rater is None and customer.score == 5 and "4.50" in customer.comment
    assert Notification.objects.filter(
        user=org.agent_a1.user, key=f"evaluation-closed:{review.pk}"
    ).exists()


def test_weights_are_renormalized_over_the_kinds_present(org, review):
    reviews.rate(by=org.manager_a.user, evaluation=review, kind=Kind.SUPERVISOR, score=4)
    reviews.rate(by=org.agent_a1.user, evaluation=review, kind=Kind.SELF, score=1)
    closed = reviews.close_evaluation(by=org.manager_a.user, evaluation=review)
    # No scorecard, no revisits: (50×80 + 10×20) / 60 = 70; the final score is that alone.
    assert closed.quantitative is None
    assert closed.qualitative == Decimal("70.00")
    assert closed.final == Decimal("70.00")
    assert not review.ratings.filter(kind=Kind.CUSTOMER).exists()


def test_a_review_with_nothing_in_it_closes_without_scores(org, review):
    closed = reviews.close_evaluation(by=org.manager_a.user, evaluation=review)
    assert (closed.quantitative, closed.qualitative, closed.final) == (None, None, None)


def test_a_closed_review_takes_no_rating_and_does_not_close_twice(org, review):
    reviews.close_evaluation(by=org.manager_a.user, evaluation=review)
    with pytest.raises(ValidationError) as error:
        reviews.rate(by=org.manager_a.user, evaluation=review, kind=Kind.SUPERVISOR, score=3)
    assert field_of(error) == {"status"}
    with pytest.raises(ValidationError) as error:
        reviews.close_evaluation(by=org.manager_a.user, evaluation=review)
    assert field_of(error) == {"status"}


@pytest.mark.parametrize("who", ["agent_a1", "agent_a2", "manager_b"])
def test_only_the_agents_managers_close(org, review, who):
    with pytest.raises(ValidationError) as error:
        reviews.close_evaluation(by=getattr(org, who).user, evaluation=review)
    assert field_of(error) == {"evaluation"}


def test_the_scoring_rules_are_in_one_place():
    assert sum(reviews.KIND_WEIGHTS.values()) == 100
    assert sum(reviews.FINAL_WEIGHTS.values()) == 100
    assert reviews.final_score(quantitative=Decimal("50"), qualitative=None) == Decimal("50.00")
    assert reviews.final_score(quantitative=None, qualitative=None) is None


# --- development plans --------------------------------------------------------------------


def test_a_development_plan_from_a_review_with_courses(org, review):
    course = CourseFactory()
    plan = reviews.development_plan_create(
        by=org.manager_a.user,
        agent=org.agent_a1.user,
        goals="转化率 15%",
        actions="复盘",
        evaluation=review,
        courses=[course],
        due_on=dt.date(2026, 5, 1),
    )
    assert list(plan.courses.all()) == [course] and plan.status == DevelopmentPlan.Status.ACTIVE
    assert Notification.objects.filter(user=org.agent_a1.user, kind="development_plan").exists()
    plan = reviews.development_plan_update(by=org.manager_a.user, plan=plan, goals="转化率 20%")
    assert plan.goals == "转化率 20%"
    plan = reviews.development_plan_complete(by=org.manager_a.user, plan=plan)
    assert plan.status == DevelopmentPlan.Status.DONE
    with pytest.raises(ValidationError) as error:
        reviews.development_plan_complete(by=org.manager_a.user, plan=plan)
    assert field_of(error) == {"status"}


def test_development_plan_refusals_name_the_field(org, review):
    with pytest.raises(ValidationError) as error:
        reviews.development_plan_create(
            by=org.manager_a.user, agent=org.agent_a2.user, goals="x", evaluation=review
        )
    assert field_of(error) == {"evaluation"}
    with pytest.raises(ValidationError) as error:
        reviews.development_plan_create(by=org.manager_b.user, agent=org.agent_a1.user, goals="x")
    assert field_of(error) == {"agent"}
    with pytest.raises(ValidationError) as error:
        reviews.development_plan_create(by=org.manager_a.user, agent=org.agent_a1.user, goals=" ")
    assert field_of(error) == {"goals"}
    retired = CourseFactory(active=False)
    with pytest.raises(ValidationError) as error:
        reviews.development_plan_create(
            by=org.manager_a.user, agent=org.agent_a1.user, goals="x", courses=[retired]
        )
    assert field_of(error) == {"courses"}
