"""The scorecard pages: who sees what, every figure links to its records, the drill-down in
a constant number of queries, targets in one form, quality scoring from the timeline."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from leads.models import Call
from orders.models import Payment
from performance.metrics import STATE_SOURCES
from performance.models import Indicator, QualityScore, Scorecard, Target
from performance.services.scorecards import recompute_scorecards
from tests.performance.factories import default_indicators

from .scorecard_data import MARCH, at, build_march

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _indicators(db):
    default_indicators()


PERIOD = {"period_kind": "month", "period_start": "2026-03-01"}


@pytest.fixture
def march(org):
    data = build_march(org)
    # Cash collected: a payment of a1's on 5 March (team A, department east).
    Payment.objects.create(
        order=data["O1"],
        amount=Decimal("1000"),
        paid_on=at(3, 5).date(),
        paid_at=at(3, 5),
        agent=org.agent_a1.user,
    )
    recompute_scorecards(period=MARCH)
    return data


def _card(**subject):
    return Scorecard.objects.get(period_kind="month", period_start=MARCH.start, **subject)


def test_an_agent_is_sent_to_their_own_scorecard_and_sees_no_other(march, client_as):
    org = march.org
    client = client_as(org.agent_a1)
    answer = client.get(reverse("performance:scorecards"), PERIOD)
    own = _card(agent=org.agent_a1.user)
    assert answer.status_code == 302
    assert answer.url == reverse("performance:scorecard_detail", args=[own.pk])
    other = _card(agent=org.agent_a2.user)
    assert client.get(reverse("performance:scorecard_detail", args=[other.pk])).status_code == 404
    drill = reverse("performance:scorecard_drilldown", args=[other.pk, "calls"])
    assert client.get(drill).status_code == 404
    page = client.get(reverse("performance:scorecard_detail", args=[own.pk]))
    assert page.status_code == 200 and "1 / 1" in page.content.decode()


def test_a_manager_lists_their_agents_and_every_figure_drills_down(march, client_as):
    org = march.org
    client = client_as(org.manager_a)
    page = client.get(reverse("performance:scorecards"), PERIOD).content.decode()
    assert "agent_a1" in page or org.agent_a1.user.get_full_name() in page
    assert org.agent_b1.user.get_full_name() not in page
    card = _card(agent=org.agent_a1.user)
    detail = client.get(reverse("performance:scorecard_detail", args=[card.pk])).content.decode()
    for value in card.values.select_related("indicator"):
        link = reverse("performance:scorecard_drilldown", args=[card.pk, value.indicator.code])
        assert detail.count(f'href="{link}"') >= 4, value.indicator.code


def test_drilldown_shows_the_records_with_masked_phones(march, client_as):
    org = march.org
    card = _card(team=org.team_a)
    answer = client_as(org.manager_a).get(
        reverse("performance:scorecard_drilldown", args=[card.pk, "calls"])
    )
    rows = answer.context["rows"]
    assert {row.id for row in rows} == {march[k].pk for k in ("C1", "C2", "C3")}
    assert all("****" in row.phone for row in rows)


def test_drilldown_queries_do_not_grow(march, client_as, django_assert_num_queries):
    org = march.org
    card = _card(agent=org.agent_a1.user)
    client = client_as(org.manager_a)
    url = reverse("performance:scorecard_drilldown", args=[card.pk, "calls"])
    client.get(url)  # session, scope and caches warmed the same way both times
    with django_assert_num_queries(7) as first:
        client.get(url)
    for n in range(30):
        Call.objects.create(
            agent=org.agent_a1.user,
            lead=march["L2"],
            started_at=at(3, 22) + dt.timedelta(minutes=n),
            duration_seconds=30,
        )
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(client.get(url).context["rows"]) == 32
    team_url = reverse("performance:scorecard_drilldown", args=[_card(team=org.team_a).pk, "calls"])
    client.get(team_url)
    with django_assert_num_queries(9):
        assert len(client.get(team_url).context["rows"]) == 33


def test_list_queries_do_not_grow(march, client_as, django_assert_max_num_queries):
    client = client_as(march.org.admin)
    with django_assert_max_num_queries(8):
        answer = client.get(reverse("performance:scorecards"), {**PERIOD, "level": "agent"})
    assert len(answer.context["cards"]) == 4


def test_a_manager_sets_the_team_targets_in_one_form(march, client_as):
    org = march.org
    client = client_as(org.manager_a)
    url = reverse("performance:targets") + "?level=agent&period_kind=month&period_start=2026-03-01"
    page = client.get(url)
    form = page.context["form"]
    assert [s.pk for s in form.subjects] == [org.agent_a1.user.pk]
    calls = next(i for i in form.indicators if i.code == "calls")
    sales = next(i for i in form.indicators if i.code == "sales_amount")
    data = {
        f"t_{org.agent_a1.user.pk}_{calls.pk}": "120",
        f"t_{org.agent_a1.user.pk}_{sales.pk}": "50000",
    }
    answer = client.post(url, data)
    assert answer.status_code == 302
    assert Target.objects.count() == 2
    bad = client.post(url, {f"t_{org.agent_a1.user.pk}_{calls.pk}": "-3"})
    assert bad.status_code == 200 and bad.context["form"].errors
    assert client_as(org.agent_a1).get(url).status_code == 403


def test_scoring_a_call_from_the_lead_timeline(march, client_as):
    org = march.org
    client = client_as(org.manager_a)
    lead_page = client.get(reverse("leads:detail", args=[march["L2"].pk])).content.decode()
    score_url = reverse("performance:quality_score") + f"?call={march['C2'].pk}"
    assert score_url.replace("?", "?") in lead_page.replace("&amp;", "&")
    answer = client.post(
        score_url, {"professionalism": 5, "communication": 4, "problem_solving": 4, "comment": "好"}
    )
    assert answer.status_code == 302
    score = QualityScore.objects.get(call=march["C2"], scorer=org.manager_a.user)
    assert score.overall == 86.67 or str(score.overall) == "86.67"
    again = client.post(score_url, {"professionalism": 5, "communication": 4, "problem_solving": 4})
    assert again.status_code == 200 and again.context["form"].non_field_errors()
    agent_page = client_as(org.agent_a1).get(reverse("leads:detail", args=[march["L2"].pk]))
    assert "score-link" not in agent_page.content.decode()
    assert client_as(org.agent_a1).get(score_url).status_code == 403


def test_quality_list_agent_sees_own(march, client_as):
    org = march.org
    page = client_as(org.agent_a2).get(reverse("performance:quality_list"))
    assert {score.agent_id for score in page.context["page"]} == {org.agent_a2.user.pk}


def test_recompute_now_button(march, client_as, django_capture_on_commit_callbacks):
    org = march.org
    url = reverse("performance:scorecards_recompute")
    assert client_as(org.agent_a1).post(url, PERIOD).status_code == 403
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = client_as(org.manager_a).post(url, PERIOD)
    assert answer.status_code == 302 and len(callbacks) == 1


def test_every_drilldown_page_in_fixed_queries(march, client_as, django_assert_num_queries):
    """No column a row shows is left out of the page's query (no query per row)."""
    org = march.org
    client = client_as(org.head)
    cards = [_card(agent=org.agent_a1.user), _card(team=org.team_a), _card(department=org.east)]
    for code in Indicator.objects.values_list("code", flat=True):
        for card in cards:
            url = reverse("performance:scorecard_drilldown", args=[card.pk, code])
            client.get(url)
            # Team and department pages merge per-membership index reads (two queries
            # more), except for the state indicators, which read their rows by overlap.
            merged = card.level != "agent" and code not in STATE_SOURCES
            expected = 10 if merged else 8
            with django_assert_num_queries(expected):
                answer = client.get(url)
            assert answer.status_code == 200, code
