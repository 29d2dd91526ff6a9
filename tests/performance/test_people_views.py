"""The people pages: reviews, incentives, improvement plans and turnover, per role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from performance.models import Evaluation, EvaluationRating, ImprovementPlan, Incentive
from performance.periods import current_period
from performance.services import improvement, incentives, reviews
from tests.factories import make_member
from tests.performance.people_fixtures import MARCH, scorecard


def propose(org, agent=None, **extra):
    return incentives.incentive_propose(
        by=org.manager_a.user,
        agent=(agent or org.agent_a1).user,
        kind=extra.pop("kind", Incentive.Kind.BONUS),
        amount=extra.pop("amount", "800"),
        period=MARCH,
        reason=extra.pop("reason", "月度第一"),
    )


def queries(client, url) -> int:
    client.get(url)  # warm the per-process caches (risk policy, ...) first
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


# --- reviews ------------------------------------------------------------------------------


def test_a_manager_opens_reviews_for_the_team_from_the_list(client_as, org):
    client = client_as(org.manager_a)
    page = client.get(reverse("performance:evaluations"))
    assert page.status_code == 200 and b"open-review" in page.content
    response = client.post(
        reverse("performance:evaluation_open"),
        {"team": org.team_a.pk, "period_kind": "month", "period_start": "2026-03-10"},
    )
    assert response.status_code == 302
    assert Evaluation.objects.filter(period_start=MARCH.start).count() == 2
    response = client.post(
        reverse("performance:evaluation_open"),
        {"agent": org.agent_a1.user_id, "period_kind": "month", "period_start": "2026-03-01"},
        follow=True,
    )
    assert "already has a review" in response.content.decode()


def test_the_peer_sees_only_the_rating_form_and_rates(client_as, org):
    review = reviews.open_evaluation(by=org.manager_a.user, agent=org.agent_a1.user, period=MARCH)
    reviews.rate(by=org.manager_a.user, evaluation=review, kind="supervisor", score=4)
    client = client_as(org.agent_a2)
    listing = client.get(reverse("performance:evaluations"))
    assert f'href="/performance/evaluations/{review.pk}/"' in listing.content.decode()
    page = client.get(reverse("performance:evaluation", args=[review.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and 'id="rate"' in body and 'id="ratings"' not in body
    client.post(
        reverse("performance:evaluation_rate", args=[review.pk]),
        {"kind": "peer", "score": "3", "comment": "不错"},
    )
    assert review.ratings.get(rater=org.agent_a2.user).score == 3
    # The rated agent sees the peer rating without the peer's name.
    body = client_as(org.agent_a1).get(reverse("performance:evaluation", args=[review.pk]))
    body = body.content.decode()
    assert "不错" in body and org.agent_a2.display_name not in body


def test_a_review_outside_ones_scope_is_missing(client_as, org):
    review = reviews.open_evaluation(by=org.manager_a.user, agent=org.agent_a1.user, period=MARCH)
    for who in (org.agent_b1, org.manager_c):
        assert (
            client_as(who).get(reverse("performance:evaluation", args=[review.pk])).status_code
            == 404
        )


def test_the_manager_closes_a_review_and_adds_a_development_plan(client_as, org):
    review = reviews.open_evaluation(by=org.manager_a.user, agent=org.agent_a1.user, period=MARCH)
    client = client_as(org.manager_a)
    client.post(
        reverse("performance:evaluation_rate", args=[review.pk]),
        {"kind": "supervisor", "score": "5"},
    )
    client.post(
        reverse("performance:development_plan_add", args=[review.pk]),
        {"goals": "转化率 15%", "actions": "复盘"},
    )
    client.post(reverse("performance:evaluation_close", args=[review.pk]), {"summary": "好"})
    review.refresh_from_db()
    assert review.status == "closed" and str(review.final) == "100.00"
    assert review.plans.get().goals == "转化率 15%"
    page = client.get(reverse("performance:evaluation", args=[review.pk])).content.decode()
    assert 'id="final"' in page and "100.00" in page and "close-review" not in page
    # Agents cannot close.
    assert (
        client_as(org.agent_a1)
        .post(reverse("performance:evaluation_close", args=[review.pk]))
        .status_code
        == 403
    )


def test_the_scorecard_total_links_to_the_scorecard_of_the_period(client_as, org):
    review = reviews.open_evaluation(by=org.manager_a.user, agent=org.agent_a1.user, period=MARCH)
    url = reverse("performance:evaluation", args=[review.pk])
    assert "/performance/scorecards/" not in client_as(org.manager_a).get(url).content.decode()
    card = scorecard(org.agent_a1)
    link = reverse("performance:scorecard_detail", args=[card.pk])
    assert link in client_as(org.manager_a).get(url).content.decode()
    assert link in client_as(org.agent_a1).get(url).content.decode()


def test_the_review_list_costs_a_constant_number_of_queries(client_as, org):
    reviews.open_team_evaluations(by=org.manager_a.user, team=org.team_a, period=MARCH)
    client = client_as(org.manager_a)
    url = reverse("performance:evaluations")
    before = queries(client, url)
    for _ in range(3):
        make_member(team=org.team_a)
    reviews.open_team_evaluations(by=org.manager_a.user, team=org.team_a, period=MARCH.previous())
    for evaluation in Evaluation.objects.all():
        EvaluationRating.objects.create(
            evaluation=evaluation, kind="supervisor", rater=org.head.user, score=4
        )
    assert queries(client, url) == before


# --- incentives ---------------------------------------------------------------------------


def test_the_manager_proposes_and_a_missing_amount_is_named(client_as, org):
    client = client_as(org.manager_a)
    url = reverse("performance:incentives")
    bad = client.post(
        url,
        {
            "agent": org.agent_a1.user_id,
            "kind": "bonus",
            "period_start": "2026-03-01",
            "reason": "月度第一",
        },
    )
    assert bad.status_code == 400 and "needs an amount" in bad.content.decode()
    good = client.post(
        url,
        {
            "agent": org.agent_a1.user_id,
            "kind": "bonus",
            "amount": "800",
            "period_start": "2026-03-15",
            "reason": "月度第一",
        },
    )
    assert good.status_code == 302
    incentive = Incentive.objects.get()
    assert incentive.period_start == MARCH.start and incentive.proposed_by == org.manager_a.user


def test_the_head_decides_from_waiting_for_my_decision(client_as, org):
    a, b = propose(org), propose(org, agent=org.agent_a2)
    client = client_as(org.head)
    page = client.get(reverse("performance:incentives")).content.decode()
    assert f'id="waiting-{a.pk}"' in page and f'id="waiting-{b.pk}"' in page
    assert 'id="propose"' in page  # heads may propose too
    client.post(reverse("performance:incentive_approve", args=[a.pk]), {"note": "同意"})
    client.post(reverse("performance:incentive_reject", args=[b.pk]), {"note": ""})
    a.refresh_from_db(), b.refresh_from_db()
    assert a.status == "approved" and b.status == "proposed"  # a rejection needs a note
    assert (
        client_as(org.manager_a)
        .post(reverse("performance:incentive_approve", args=[b.pk]))
        .status_code
        == 403
    )
    assert (
        client_as(org.south_head)
        .post(reverse("performance:incentive_approve", args=[b.pk]))
        .status_code
        == 404
    )


def test_the_agent_sees_only_their_approved_incentives(client_as, org):
    approved, pending = propose(org), propose(org, kind="warning", amount=None)
    incentives.incentive_approve(by=org.head.user, incentive=approved)
    other = propose(org, agent=org.agent_a2)
    incentives.incentive_approve(by=org.head.user, incentive=other)
    client = client_as(org.agent_a1)
    page = client.get(reverse("performance:incentives")).content.decode()
    assert f'id="incentive-{approved.pk}"' in page
    assert f'id="incentive-{pending.pk}"' not in page and f'id="incentive-{other.pk}"' not in page
    assert 'id="propose"' not in page and 'id="waiting"' not in page
    assert client.post(reverse("performance:incentives"), {}).status_code == 403


def test_the_proposer_withdraws_from_the_list(client_as, org):
    incentive = propose(org)
    client_as(org.manager_a).post(reverse("performance:incentive_withdraw", args=[incentive.pk]))
    incentive.refresh_from_db()
    assert incentive.status == "withdrawn"


def test_incentives_export_as_csv_and_excel(client_as, org):
    propose(org)
    client = client_as(org.manager_a)
    csv = client.get(reverse("performance:incentives_export") + "?format=csv")
    assert csv.status_code == 200
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert org.agent_a1.display_name in text and "800.00" in text
    xlsx = client.get(reverse("performance:incentives_export") + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')
    assert client_as(org.agent_a1).get(reverse("performance:incentives_export")).status_code == 403


def test_the_incentive_list_costs_a_constant_number_of_queries(client_as, org):
    propose(org)
    client = client_as(org.head)
    url = reverse("performance:incentives")
    before = queries(client, url)
    for _ in range(4):
        incentives.incentive_approve(by=org.head.user, incentive=propose(org))
        propose(org, agent=org.agent_a2)
    assert queries(client, url) == before


# --- improvement plans --------------------------------------------------------------------


def test_the_manager_opens_a_suggested_plan_coaches_and_closes_it(client_as, org):
    period = current_period().previous()
    card = scorecard(org.agent_a1, period, "42")
    client = client_as(org.manager_a)
    page = client.get(reverse("performance:improvement_plans")).content.decode()
    assert f'id="suggestion-{card.pk}"' in page
    response = client.post(reverse("performance:improvement_plan_suggested", args=[card.pk]))
    plan = ImprovementPlan.objects.get()
    assert response.url == reverse("performance:improvement_plan", args=[plan.pk])
    assert plan.origin == "suggested" and plan.scorecard == card
    client.post(
        reverse("performance:coaching_session_add", args=[plan.pk]),
        {"kind": "coaching", "notes": "开场白练习", "progress": "30"},
    )
    detail = client.get(reverse("performance:improvement_plan", args=[plan.pk])).content.decode()
    assert "开场白练习" in detail and "30%" in detail
    client.post(
        reverse("performance:improvement_plan_close", args=[plan.pk]),
        {"status": "succeeded", "outcome": "达标"},
    )
    plan.refresh_from_db()
    assert plan.status == "succeeded"
    page = client.get(reverse("performance:improvement_plans")).content.decode()
    assert f'id="suggestion-{card.pk}"' in page  # closed: suggested again while still low


def test_a_second_open_plan_is_a_form_error_on_the_page(client_as, org):
    today = timezone.localdate()
    data = {
        "agent": org.agent_a1.user_id,
        "reason": "低",
        "goals": "提升",
        "starts_on": today.isoformat(),
        "due_on": (today + dt.timedelta(days=30)).isoformat(),
    }
    client = client_as(org.manager_a)
    client.post(reverse("performance:improvement_plan_open"), data)
    response = client.post(reverse("performance:improvement_plan_open"), data, follow=True)
    assert "already has an open plan" in response.content.decode()
    assert ImprovementPlan.objects.count() == 1


def test_the_agent_sees_their_plan_and_changes_nothing(client_as, org):
    today = timezone.localdate()
    plan = improvement.improvement_plan_open(
        by=org.manager_a.user,
        agent=org.agent_a1.user,
        reason="低",
        goals="提升",
        due_on=today + dt.timedelta(days=30),
    )
    client = client_as(org.agent_a1)
    page = client.get(reverse("performance:improvement_plan", args=[plan.pk])).content.decode()
    assert "session-form" not in page
    assert (
        client.post(
            reverse("performance:improvement_plan_close", args=[plan.pk]),
            {"status": "failed", "outcome": "x"},
        ).status_code
        == 403
    )
    assert (
        client_as(org.agent_a2)
        .get(reverse("performance:improvement_plan", args=[plan.pk]))
        .status_code
        == 404
    )


def test_the_plan_list_costs_a_constant_number_of_queries(client_as, org):
    today = timezone.localdate()
    client = client_as(org.head)
    url = reverse("performance:improvement_plans")

    def plan_for(member):
        plan = improvement.improvement_plan_open(
            by=org.head.user,
            agent=member.user,
            reason="低",
            goals="提升",
            due_on=today + dt.timedelta(days=30),
        )
        improvement.coaching_session_add(by=org.head.user, plan=plan, notes="x", progress=10)

    plan_for(org.agent_a1)
    before = queries(client, url)
    for member in (org.agent_a2, org.agent_b1, org.agent_c1):
        plan_for(member)
    assert queries(client, url) == before


# --- turnover -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager_a", "head", "admin", "inspector"])
def test_turnover_is_for_managers_and_above(client_as, org, who):
    response = client_as(getattr(org, who)).get(reverse("performance:turnover"))
    assert response.status_code == 200
    assert b"attrition-chart" in response.content and b"ramp-up" in response.content


def test_turnover_is_not_for_agents(client_as, org):
    client = client_as(org.agent_a1)
    assert client.get(reverse("performance:turnover")).status_code == 403
    assert client.get(reverse("performance:turnover_export")).status_code == 403


def test_turnover_exports(client_as, org):
    response = client_as(org.head).get(reverse("performance:turnover_export") + "?format=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Month,Level,Name,Leavers")
    assert org.team_a.name in text
