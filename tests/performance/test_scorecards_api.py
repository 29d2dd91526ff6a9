"""The scorecard API: who sees what, drill-down, targets, quality scores, recompute."""

import pytest

from performance.models import Indicator, QualityScore, Scorecard, Target
from performance.services.scorecards import recompute_scorecards
from tests.performance.factories import default_indicators

from .scorecard_data import MARCH, build_march

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _indicators(db):
    default_indicators()


URL = "/api/performance/"


@pytest.fixture
def march(org):
    data = build_march(org)
    recompute_scorecards(period=MARCH)
    return data


def _card(level, **subject):
    return Scorecard.objects.get(
        level=level, period_kind=MARCH.kind, period_start=MARCH.start, **subject
    )


def test_an_agent_lists_only_their_own_scorecard_with_rank(march, api_as):
    org = march.org
    api = api_as(org.agent_a1)
    answer = api.get(f"{URL}scorecards/", {"period_start": "2026-03-01"})
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [row["agent"] for row in rows] == [org.agent_a1.user.pk]
    assert rows[0]["rank"] == 1 and rows[0]["rank_of"] == 1
    assert len(rows[0]["values"]) == Indicator.objects.count()
    other = _card("agent", agent=org.agent_a2.user)
    assert api.get(f"{URL}scorecards/{other.pk}/").status_code == 404
    assert api.get(f"{URL}scorecards/{other.pk}/drilldown/?indicator=calls").status_code == 404
    team = _card("team", team=org.team_a)
    assert api.get(f"{URL}scorecards/{team.pk}/").status_code == 404


def test_a_manager_sees_their_team_and_its_agents(march, api_as):
    org = march.org
    rows = api_as(org.manager_a).get(f"{URL}scorecards/", {"period_start": "2026-03-01"})
    subjects = {(r["level"], r["agent"] or r["team"]) for r in rows.json()["results"]}
    assert subjects == {("agent", org.agent_a1.user.pk), ("team", org.team_a.pk)}


def test_drilldown_lists_the_records_behind_the_value(march, api_as):
    org = march.org
    team = _card("team", team=org.team_a)
    api = api_as(org.head)
    answer = api.get(f"{URL}scorecards/{team.pk}/drilldown/", {"indicator": "calls"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["page"] == 1 and body["has_next"] is False
    assert {row["id"] for row in body["results"]} == {march[k].pk for k in ("C1", "C2", "C3")}
    assert all("****" in row["phone"] for row in body["results"])
    bad = api.get(f"{URL}scorecards/{team.pk}/drilldown/", {"indicator": "nope"})
    assert bad.status_code == 400 and "indicator" in bad.json()
    page = {"indicator": "calls", "page": "0"}
    assert api.get(f"{URL}scorecards/{team.pk}/drilldown/", page).status_code == 400


def test_a_manager_sets_targets_for_their_agents_only(march, api_as):
    org = march.org
    api = api_as(org.manager_a)
    body = {
        "level": "agent",
        "subject": org.agent_a1.user.pk,
        "indicator": "calls",
        "period_kind": "month",
        "period_start": "2026-03-05",
        "value": "40",
    }
    answer = api.post(f"{URL}targets/", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["period_start"] == "2026-03-01"
    refused = api.post(f"{URL}targets/", {**body, "subject": org.agent_b1.user.pk}, format="json")
    assert refused.status_code == 400 and "agent" in refused.json()
    negative = api.post(f"{URL}targets/", {**body, "value": "-1"}, format="json")
    assert negative.status_code == 400 and "value" in negative.json()
    target = Target.objects.get()
    assert (
        api.patch(f"{URL}targets/{target.pk}/", {"value": "50"}, format="json").json()["value"]
        == "50.0000"
    )
    assert api_as(org.agent_a1).post(f"{URL}targets/", body, format="json").status_code == 403
    assert api_as(org.manager_a).delete(f"{URL}targets/{target.pk}/").status_code == 204
    assert not Target.objects.exists()


def test_quality_scores_through_the_api(march, api_as):
    org = march.org
    api = api_as(org.manager_a)
    scores = {"professionalism": 4, "communication": 5, "problem_solving": 3}
    answer = api.post(f"{URL}quality-scores/", {"call": march["C2"].pk, **scores}, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["overall"] == "80.00"
    again = api.post(f"{URL}quality-scores/", {"call": march["C2"].pk, **scores}, format="json")
    assert again.status_code == 400 and "call" in again.json()
    outside = api.post(f"{URL}quality-scores/", {"call": march["C5"].pk, **scores}, format="json")
    assert outside.status_code == 400 and "call" in outside.json()
    bad = api.post(f"{URL}quality-scores/", {"call": march["C1"].pk, **scores, "communication": 6})
    assert bad.status_code == 400 and "communication" in bad.json()
    agent = api_as(org.agent_a1)
    mine = agent.get(f"{URL}quality-scores/").json()["results"]
    assert {row["agent"] for row in mine} == {org.agent_a1.user.pk}
    assert agent.post(f"{URL}quality-scores/", {"call": march["C3"].pk, **scores}).status_code == (
        403
    )
    assert QualityScore.objects.count() == 4


def test_recompute_is_for_managers(march, api_as, settings, django_capture_on_commit_callbacks):
    org = march.org
    assert api_as(org.agent_a1).post(f"{URL}scorecards/recompute/", {}).status_code == 403
    api = api_as(org.manager_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = api.post(
            f"{URL}scorecards/recompute/", {"period_kind": "month", "period_start": "2026-03-09"}
        )
    assert answer.status_code == 202 and answer.json()["period_start"] == "2026-03-01"
    assert len(callbacks) == 1


def test_only_admins_change_indicators(march, api_as, django_capture_on_commit_callbacks):
    org = march.org
    calls = Indicator.objects.get(code="calls")
    refused = api_as(org.manager_a).patch(f"{URL}indicators/{calls.pk}/", {"name": "x"})
    assert refused.status_code == 403
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = api_as(org.admin).patch(f"{URL}indicators/{calls.pk}/", {"name": "通话量"})
    assert answer.status_code == 200 and len(callbacks) == 1
    assert api_as(org.agent_a1).get(f"{URL}weights/").status_code == 200


def test_scorecard_list_queries_do_not_grow(march, api_as, django_assert_max_num_queries):
    api = api_as(march.org.admin)
    with django_assert_max_num_queries(8):
        answer = api.get(f"{URL}scorecards/", {"period_start": "2026-03-01"})
    assert answer.json()["count"] == Scorecard.objects.count()


def test_a_drilldown_page_reads_a_fixed_number_of_queries(march, api_as, django_assert_num_queries):
    """The scorecard (without its values), the indicator and the page's records, plus for a
    team the memberships and the page's ids: the same however many records are behind
    the value."""
    org = march.org
    api = api_as(org.head)
    cards = (
        _card("team", team=org.team_a),
        _card("agent", agent=org.agent_a1.user),
    )
    for card in cards:
        api.get(f"{URL}scorecards/{card.pk}/drilldown/", {"indicator": "calls"})
        with django_assert_num_queries(8 if card.level == "team" else 6):
            answer = api.get(f"{URL}scorecards/{card.pk}/drilldown/", {"indicator": "calls"})
        assert answer.status_code == 200
