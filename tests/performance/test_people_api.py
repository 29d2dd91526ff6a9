"""The people API (/api/performance/...): reviews, ratings, plans, incentives, turnover."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from performance.models import Incentive
from performance.services import incentives, reviews
from tests.factories import make_member
from tests.performance.people_fixtures import MARCH, scorecard

API = "/api/performance"


@pytest.fixture
def review(org):
    return reviews.open_evaluation(by=org.manager_a.user, agent=org.agent_a1.user, period=MARCH)


def ids(response) -> set[int]:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["id"] for row in rows}


# --- reviews ------------------------------------------------------------------------------


def test_a_manager_opens_a_review_and_a_second_one_is_a_400(api_as, org):
    api = api_as(org.manager_a)
    data = {"agent": org.agent_a1.user_id, "period_kind": "month", "period_start": "2026-03-09"}
    created = api.post(f"{API}/evaluations/", data, format="json")
    assert created.status_code == 201
    assert created.json()["period_start"] == "2026-03-01"
    again = api.post(f"{API}/evaluations/", data, format="json")
    assert again.status_code == 400 and "period_start" in again.json()
    other = api.post(f"{API}/evaluations/", {**data, "agent": org.agent_b1.user_id}, format="json")
    assert other.status_code == 400 and "agent" in other.json()


def test_agents_do_not_open_reviews(api_as, org):
    response = api_as(org.agent_a1).post(
        f"{API}/evaluations/",
        {"agent": org.agent_a2.user_id, "period_start": "2026-03-01"},
        format="json",
    )
    assert response.status_code == 403


def test_rating_through_the_api_and_peer_anonymity(api_as, org, review):
    peer = api_as(org.agent_a2)
    assert review.pk not in ids(peer.get(f"{API}/evaluations/"))
    rated = peer.post(
        f"{API}/evaluations/{review.pk}/rate/", {"kind": "peer", "score": 3}, format="json"
    )
    assert rated.status_code == 200 and rated.json()["kind"] == "peer"
    assert (
        api_as(org.agent_b1)
        .post(f"{API}/evaluations/{review.pk}/rate/", {"kind": "peer", "score": 3}, format="json")
        .status_code
        == 404
    )
    customer = api_as(org.manager_a).post(
        f"{API}/evaluations/{review.pk}/rate/", {"kind": "customer", "score": 3}, format="json"
    )
    assert customer.status_code == 400 and "kind" in customer.json()
    seen_by_agent = api_as(org.agent_a1).get(f"{API}/ratings/").json()["results"]
    assert [(r["kind"], r["rater"], r["rater_name"]) for r in seen_by_agent] == [
        ("peer", None, None)
    ]
    seen_by_manager = api_as(org.manager_a).get(f"{API}/ratings/").json()["results"]
    assert seen_by_manager[0]["rater"] == org.agent_a2.user_id


def test_closing_through_the_api(api_as, org, review):
    scorecard(org.agent_a1, MARCH, "80")
    api = api_as(org.manager_a)
    api.post(f"{API}/evaluations/{review.pk}/rate/", {"kind": "supervisor", "score": 5})
    closed = api.post(f"{API}/evaluations/{review.pk}/close/", {"summary": "好"}, format="json")
    assert closed.status_code == 200
    body = closed.json()
    assert (body["status"], body["quantitative"], body["qualitative"], body["final"]) == (
        "closed",
        "80.00",
        "100.00",
        "88.00",
    )
    again = api.post(f"{API}/evaluations/{review.pk}/close/", {}, format="json")
    assert again.status_code == 400 and "status" in again.json()
    assert api_as(org.agent_a1).post(f"{API}/evaluations/{review.pk}/close/").status_code == 403


def test_development_plans_through_the_api(api_as, org, review):
    api = api_as(org.manager_a)
    created = api.post(
        f"{API}/development-plans/",
        {"agent": org.agent_a1.user_id, "evaluation": review.pk, "goals": "转化率"},
        format="json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    patched = api.patch(f"{API}/development-plans/{pk}/", {"actions": "复盘"}, format="json")
    assert patched.status_code == 200 and patched.json()["actions"] == "复盘"
    done = api.post(f"{API}/development-plans/{pk}/complete/", {"status": "done"}, format="json")
    assert done.json()["status"] == "done"
    again = api.post(f"{API}/development-plans/{pk}/complete/", {}, format="json")
    assert again.status_code == 400 and "status" in again.json()
    assert pk in ids(api_as(org.agent_a1).get(f"{API}/development-plans/"))
    assert pk not in ids(api_as(org.agent_a2).get(f"{API}/development-plans/"))


# --- incentives ---------------------------------------------------------------------------


def test_propose_approve_and_what_the_agent_sees(api_as, org):
    manager = api_as(org.manager_a)
    bonus = manager.post(
        f"{API}/incentives/",
        {
            "agent": org.agent_a1.user_id,
            "kind": "bonus",
            "amount": "800.00",
            "period_start": "2026-03-05",
            "reason": "第一",
        },
        format="json",
    )
    assert bonus.status_code == 201 and bonus.json()["status"] == "proposed"
    missing = manager.post(
        f"{API}/incentives/",
        {
            "agent": org.agent_a1.user_id,
            "kind": "deduction",
            "period_start": "2026-03-05",
            "reason": "违规",
        },
        format="json",
    )
    assert missing.status_code == 400 and "amount" in missing.json()
    pk = bonus.json()["id"]
    assert manager.post(f"{API}/incentives/{pk}/approve/").status_code == 403
    assert api_as(org.agent_a1).get(f"{API}/incentives/").json()["count"] == 0
    approved = api_as(org.head).post(f"{API}/incentives/{pk}/approve/", {"note": "同意"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert ids(api_as(org.agent_a1).get(f"{API}/incentives/")) == {pk}
    assert ids(api_as(org.agent_a2).get(f"{API}/incentives/")) == set()
    moved = api_as(org.admin).post(f"{API}/incentives/{pk}/reject/", {"note": "x"})
    assert moved.status_code == 400 and "status" in moved.json()


def test_the_proposer_cannot_approve_and_the_south_head_cannot_see(api_as, org):
    incentive = incentives.incentive_propose(
        by=org.head.user,
        agent=org.agent_a1.user,
        kind="warning",
        period=MARCH,
        reason="迟到",
    )
    own = api_as(org.head).post(f"{API}/incentives/{incentive.pk}/approve/")
    assert own.status_code == 400 and "decided_by" in own.json()
    assert (
        api_as(org.south_head).post(f"{API}/incentives/{incentive.pk}/approve/").status_code == 404
    )
    withdrawn = api_as(org.head).post(f"{API}/incentives/{incentive.pk}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


def test_the_incentive_list_costs_a_constant_number_of_queries(api_as, org):
    api = api_as(org.head)
    api.get(f"{API}/incentives/")

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"{API}/incentives/").status_code == 200
        return len(captured.captured_queries)

    incentives.incentive_propose(
        by=org.manager_a.user, agent=org.agent_a1.user, kind="warning", period=MARCH, reason="x"
    )
    before = count()
    for member in (org.agent_a2, org.agent_a1):
        incentives.incentive_propose(
            by=org.manager_a.user,
            agent=member.user,
            kind="bonus",
            amount="1",
            period=MARCH,
            reason="x",
        )
    assert count() == before
    assert Incentive.objects.count() == 3


# --- improvement plans --------------------------------------------------------------------


def test_improvement_plans_through_the_api(api_as, org):
    today = timezone.localdate()
    api = api_as(org.manager_a)
    data = {
        "agent": org.agent_a1.user_id,
        "reason": "低",
        "goals": "提升",
        "due_on": (today + dt.timedelta(days=30)).isoformat(),
    }
    created = api.post(f"{API}/improvement-plans/", data, format="json")
    assert created.status_code == 201 and created.json()["is_overdue"] is False
    twice = api.post(f"{API}/improvement-plans/", data, format="json")
    assert twice.status_code == 400 and "agent" in twice.json()
    pk = created.json()["id"]
    session = api.post(
        f"{API}/improvement-plans/{pk}/sessions/",
        {"kind": "check_in", "notes": "复盘", "progress": 50},
        format="json",
    )
    assert session.status_code == 201 and session.json()["progress"] == 50
    assert [s["progress"] for s in api.get(f"{API}/improvement-plans/{pk}/sessions/").json()] == [
        50
    ]
    agent = api_as(org.agent_a1)
    assert agent.get(f"{API}/improvement-plans/{pk}/sessions/").status_code == 200
    assert (
        agent.post(
            f"{API}/improvement-plans/{pk}/sessions/", {"notes": "x", "progress": 1}
        ).status_code
        == 403
    )
    api = api_as(org.manager_a)
    closed = api.post(
        f"{API}/improvement-plans/{pk}/close/",
        {"status": "failed", "outcome": "未达标"},
        format="json",
    )
    assert closed.status_code == 200 and closed.json()["status"] == "failed"
    again = api.post(
        f"{API}/improvement-plans/{pk}/close/", {"status": "failed", "outcome": "x"}, format="json"
    )
    assert again.status_code == 400 and "status" in again.json()


def test_suggestions_through_the_api(api_as, org):
    card = scorecard(org.agent_a1, MARCH, "30")
    body = (
        api_as(org.manager_a)
        .get(f"{API}/improvement-plans/suggestions/", {"period_start": "2026-03-20"})
        .json()
    )
    assert [(row["scorecard"], row["agent"], row["total"]) for row in body] == [
        (card.pk, org.agent_a1.user_id, "30.00")
    ]
    assert (
        api_as(org.manager_b)
        .get(f"{API}/improvement-plans/suggestions/", {"period_start": "2026-03-01"})
        .json()
        == []
    )
    bad = api_as(org.manager_a).get(
        f"{API}/improvement-plans/suggestions/", {"period_start": "soon"}
    )
    assert bad.status_code == 400 and "period_start" in bad.json()
    assert api_as(org.agent_a1).get(f"{API}/improvement-plans/suggestions/").status_code == 403


# --- turnover -----------------------------------------------------------------------------


def test_turnover_rows_by_month_and_subject(api_as, org):
    make_member(team=org.team_a)
    api = api_as(org.head)
    rows = api.get(f"{API}/turnover/").json()
    assert {row["level"] for row in rows} == {"team", "department"}
    month = timezone.localdate().replace(day=1).isoformat()
    team_rows = api.get(
        f"{API}/turnover/", {"level": "team", "team": org.team_a.pk, "month": month}
    ).json()
    assert len(team_rows) == 1 and team_rows[0]["name"] == org.team_a.name
    assert team_rows[0]["month"] == month
    manager_rows = api_as(org.manager_a).get(f"{API}/turnover/").json()
    assert {row["team"] for row in manager_rows} == {org.team_a.pk}
    assert api_as(org.agent_a1).get(f"{API}/turnover/").status_code == 403
    bad = api_as(org.head).get(f"{API}/turnover/", {"team": "x"})
    assert bad.status_code == 400 and "team" in bad.json()
