"""The risk logs through the API, read-only, to the same people as the risk pages:
the audit trail to administrators; the export log to managers (their team's), heads
(their subtree's) and administrators; phone reveals and refused contacts to heads (their
subtree's) and administrators. Anyone else: 403."""

from __future__ import annotations

import pytest

from risk.models import AuditEntry, ExportRecord, PhoneReveal, RiskEvent
from tests.leads.factories import LeadFactory

LOGS = ["/api/risk/audit/", "/api/risk/exports/", "/api/risk/reveals/", "/api/risk/events/"]


@pytest.fixture
def logs(org):
    """One row of each log by someone of each team (A and B in the east, C in the south)."""
    people = {"a": org.agent_a1, "b": org.agent_b1, "c": org.agent_c1, "m": org.manager_a}
    rows = {}
    for key, member in people.items():
        user = member.user
        lead = LeadFactory(owner=user, team=member.team)
        rows[key] = {
            "exports": ExportRecord.objects.create(user=user, kind="leads", format="csv"),
            "reveals": PhoneReveal.objects.create(
                user=user, lead=lead, phone_masked="138****8000", purpose="reveal"
            ),
            "events": RiskEvent.objects.create(kind="over_cap", user=user, lead=lead),
        }
    return rows


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _expected(logs, kind: str, keys: str) -> set[int]:
    return {logs[key][kind].pk for key in keys}


@pytest.mark.parametrize(
    "who, exports, reveals",
    [
        ("admin", "abcm", "abcm"),
        ("head", "abcm", "abcm"),  # the center's head: every team
        ("south_head", "c", "c"),
        ("manager_a", "am", None),  # their team's exports; no reveals or refused contacts
        ("manager_c", "c", None),
        ("inspector", None, None),
        ("agent_a1", None, None),
    ],
)
def test_each_role_reads_the_logs_the_risk_pages_show_them(
    org, api_as, logs, who, exports, reveals
):
    api = api_as(getattr(org, who))
    response = api.get("/api/risk/exports/")
    if exports is None:
        assert response.status_code == 403
    else:
        assert _ids(response) == _expected(logs, "exports", exports)
    for url, kind in (("/api/risk/reveals/", "reveals"), ("/api/risk/events/", "events")):
        response = api.get(url)
        if reveals is None:
            assert response.status_code == 403
        else:
            assert _ids(response) == _expected(logs, kind, reveals)


@pytest.mark.parametrize("who", ["head", "south_head", "manager_a", "inspector", "agent_a1"])
def test_only_admins_read_the_audit_trail(org, api_as, who):
    assert api_as(getattr(org, who)).get("/api/risk/audit/").status_code == 403


def test_a_row_outside_the_scope_is_404_like_a_missing_one(org, api_as, logs):
    api = api_as(org.south_head)
    for url, kind in (("/api/risk/exports/", "exports"), ("/api/risk/reveals/", "reveals")):
        assert api.get(f"{url}{logs['c'][kind].pk}/").status_code == 200
        assert api.get(f"{url}{logs['a'][kind].pk}/").status_code == 404


def test_the_audit_trail_shows_who_changed_what_and_filters(org, api_as):
    api = api_as(org.admin)
    changed = api.patch("/api/leads/policy/", {"pool_daily_claim_limit": 33})
    assert changed.status_code == 200
    rows = api.get("/api/risk/audit/", {"model": "leads.leadpolicy", "action": "update"}).json()
    entry = rows["results"][0]
    assert entry["actor"] == org.admin.user.pk
    assert entry["after"]["pool_daily_claim_limit"] == 33
    assert api.get(f"/api/risk/audit/{entry['id']}/").json()["id"] == entry["id"]
    assert api.get("/api/risk/audit/", {"action": "burn"}).status_code == 400
    assert api.get("/api/risk/audit/", {"since": "not a time"}).status_code == 400
    assert api.get("/api/risk/audit/", {"since": "2999-01-01T00:00:00Z"}).json()["results"] == []


def test_the_logs_are_read_only(org, api_as, logs):
    api = api_as(org.admin)
    entry = AuditEntry.objects.create(action="create", model_label="x.y", object_id="1")
    for url in LOGS:
        assert api.post(url, {}).status_code == 405
    assert api.delete(f"/api/risk/audit/{entry.pk}/").status_code == 405
    assert api.patch(f"/api/risk/exports/{logs['a']['exports'].pk}/", {}).status_code == 405


@pytest.mark.parametrize("url", LOGS)
def test_a_log_page_is_read_in_a_constant_number_of_queries(
    org, api_as, logs, url, django_assert_max_num_queries
):
    api = api_as(org.admin)
    api.get(url)
    with django_assert_max_num_queries(5):
        first = api.get(url)
    for _ in range(3):
        for key in "abc":
            ExportRecord.objects.create(user=logs[key]["exports"].user, kind="orders", format="csv")
            PhoneReveal.objects.create(
                user=logs[key]["reveals"].user, phone_masked="138****8000", purpose="api"
            )
            RiskEvent.objects.create(kind="dnc_contact", user=logs[key]["events"].user)
    with django_assert_max_num_queries(5):
        more = api.get(url)
    assert len(more.json()["results"]) >= len(first.json()["results"])
