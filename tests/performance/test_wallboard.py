"""The live wallboard: who sees which teams, what a snapshot holds, and that viewers share it."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from calling.models import AgentState, PauseCode
from calling.models import StateSource as Source
from calling.services.states import change_state
from performance.selectors.wallboard import compute_snapshots, snapshots
from tests.calling.factories import default_pause_codes, state_indicators

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _floor_defaults(db):
    default_pause_codes()
    state_indicators()


API = "/api/performance/wallboard/"


def agent_row(snapshot, member):
    return next(a for a in snapshot["agents"] if a["user_id"] == member.user.pk)


def test_a_snapshot_holds_each_agents_state_and_alerts(org):
    now = timezone.now()
    lunch = PauseCode.objects.get(code="lunch")
    restroom = PauseCode.objects.get(code="restroom")
    change_state(
        org.agent_a1.user, AgentState.PAUSED, pause_code=lunch, at=now - dt.timedelta(minutes=61)
    )
    change_state(org.agent_a2.user, AgentState.READY, at=now - dt.timedelta(minutes=70))
    change_state(
        org.agent_b1.user, AgentState.PAUSED, pause_code=restroom, at=now - dt.timedelta(minutes=9)
    )
    snaps = compute_snapshots([org.team_a.pk, org.team_b.pk], now=now)
    a1 = agent_row(snaps[org.team_a.pk], org.agent_a1)
    assert (a1["state"], a1["pause_code"], a1["level"]) == ("paused", "lunch", "over")
    assert a1["alerts"] == ["pause_over"]
    a2 = agent_row(snaps[org.team_a.pk], org.agent_a2)
    assert a2["alerts"] == ["no_call"]
    b1 = agent_row(snaps[org.team_b.pk], org.agent_b1)
    assert (b1["level"], b1["alerts"]) == ("near", [])
    totals = snaps[org.team_a.pk]["totals"]
    assert totals["by_state"]["paused"] == 1 and totals["by_state"]["ready"] == 1
    assert totals["alerts"] == 2


def test_a_recent_call_means_no_idle_alert(org):
    now = timezone.now()
    user = org.agent_a2.user
    change_state(user, AgentState.READY, at=now - dt.timedelta(minutes=90))
    change_state(user, AgentState.ON_CALL, source=Source.PHONE, at=now - dt.timedelta(minutes=20))
    change_state(user, AgentState.READY, at=now - dt.timedelta(minutes=15))
    row = agent_row(compute_snapshots([org.team_a.pk], now=now)[org.team_a.pk], org.agent_a2)
    assert row["alerts"] == [] and row["last_call"] is not None


def test_the_snapshot_costs_the_same_few_queries_for_one_team_or_many(
    org, django_assert_max_num_queries
):
    now = timezone.now()
    for member in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1):
        change_state(member.user, AgentState.READY, at=now - dt.timedelta(minutes=5))
    compute_snapshots([org.team_a.pk], now=now)  # the policy read once, SQL kept
    with django_assert_max_num_queries(9) as one:
        compute_snapshots([org.team_a.pk], now=now)
    with django_assert_max_num_queries(len(one)):
        compute_snapshots([org.team_a.pk, org.team_b.pk, org.team_c.pk], now=now)


def test_viewers_share_one_snapshot(org, django_assert_num_queries):
    cache.clear()
    now = timezone.now()
    snapshots([org.team_a.pk], now=now)
    with django_assert_num_queries(0):
        for _viewer in range(20):
            snapshots([org.team_a.pk], now=now + dt.timedelta(seconds=1))


def test_the_page_by_role(org, client_as):
    url = reverse("performance:wallboard")
    page = client_as(org.manager_a).get(url).content.decode()
    assert "wallboard-agents" in page and "agent_a1" not in page  # names, not usernames
    assert org.agent_a1.user.get_full_name() in page
    assert client_as(org.manager_a).get(url, {"team": org.team_b.pk}).status_code == 404
    head = client_as(org.head).get(url).content.decode()
    assert "wallboard-teams" in head
    assert all(t.name in head for t in (org.team_a, org.team_b, org.team_c))
    south = client_as(org.south_head).get(url).content.decode()
    assert org.team_c.name in south and org.team_a.name not in south
    assert client_as(org.south_head).get(url, {"team": org.team_a.pk}).status_code == 404
    drill = client_as(org.head).get(url, {"team": org.team_b.pk}).content.decode()
    assert org.agent_b1.user.get_full_name() in drill
    assert client_as(org.agent_a1).get(url).status_code == 403
    assert client_as(org.inspector).get(url).status_code == 403
    assert client_as(org.head).get(url, {"team": "x"}).status_code == 404


def test_big_screen_mode_hides_the_menu(org, client_as):
    url = reverse("performance:wallboard")
    page = client_as(org.manager_a).get(url, {"tv": "1"}).content.decode()
    assert "wallboard-tv" in page and "navbar" not in page
    live = client_as(org.manager_a).get(reverse("performance:wallboard_live")).content.decode()
    assert "wallboard-agents" in live and "<html" not in live


def test_the_menu_has_the_wallboard_for_managers_and_heads(org, client_as):
    url = reverse("performance:wallboard")
    for member, shown in ((org.manager_a, True), (org.head, True), (org.agent_a1, False)):
        page = client_as(member).get(reverse("home"), follow=True).content.decode()
        assert (f'href="{url}"' in page) is shown


def test_the_api(org, api_as):
    change_state(org.agent_a1.user, AgentState.READY)
    body = api_as(org.manager_a).get(API, {"team": org.team_a.pk}).json()
    (team,) = body["teams"]
    assert team["team_id"] == org.team_a.pk
    assert agent_row(team, org.agent_a1)["state"] == "ready"
    overview = api_as(org.head).get(API).json()["teams"]
    assert {t["team_id"] for t in overview} == {org.team_a.pk, org.team_b.pk, org.team_c.pk}
    assert "agents" not in overview[0]
    assert api_as(org.manager_a).get(API, {"team": org.team_b.pk}).status_code == 404
    assert api_as(org.agent_a1).get(API).status_code == 403
    bad = api_as(org.head).get(API, {"team": "x"})
    assert bad.status_code == 400 and "team" in bad.json()
