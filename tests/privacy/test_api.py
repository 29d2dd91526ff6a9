"""/api/privacy/requests/: administrators log and answer requests; nobody else."""

from __future__ import annotations

import pytest

from privacy.models import RequestStatus, SubjectRequest
from tests.leads.factories import LeadFactory
from tests.orders.factories import take_order

from .conftest import MARKED_EMAIL, MARKED_NAME, MARKED_PHONE

URL = "/api/privacy/requests/"


@pytest.fixture
def person(org):
    return LeadFactory(
        name=MARKED_NAME,
        phone=MARKED_PHONE,
        email=MARKED_EMAIL,
        owner=org.agent_a1.user,
        team=org.team_a,
    )


def test_an_admin_logs_reads_and_answers(org, api_as, person):
    api = api_as(org.admin)
    created = api.post(
        URL,
        {"kind": "deletion", "phone": "139 1234 5678", "leads": [person.pk], "do_not_call": True},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["subject_phone"] == MARKED_PHONE and body["leads"] == [person.pk]
    assert body["events"][0]["kind"] == "received" and body["erasure_held_back_by"] == []
    listed = api.get(URL, {"kind": "deletion"}).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    exported = api.post(f"{URL}{body['id']}/export/")
    assert (
        exported.status_code == 200
        and exported.json()["customer_records"][0]["email"] == MARKED_EMAIL
    )
    erased = api.post(f"{URL}{body['id']}/erase/")
    assert erased.status_code == 200 and erased.json()["status"] == RequestStatus.COMPLETED
    assert erased.json()["subject_label"] == "****5678"


def test_an_erasure_held_back_is_a_400_with_the_reasons(org, api_as, person):
    order = take_order(org.agent_a1, lead=person)
    api = api_as(org.admin)
    request = api.post(URL, {"kind": "deletion", "phone": MARKED_PHONE}, format="json").json()
    assert order.number in request["erasure_held_back_by"][0]
    answer = api.post(f"{URL}{request['id']}/erase/")
    assert answer.status_code == 400 and order.number in str(answer.json())
    kept = api.get(f"{URL}{request['id']}/").json()
    assert kept["status"] == "open" and order.number in kept["held_back_reason"]
    assert kept["events"][0]["kind"] == "held_back"


def test_bad_input_names_the_field(org, api_as):
    api = api_as(org.admin)
    assert "phone" in api.post(URL, {"kind": "access", "phone": "12"}, format="json").json()
    assert (
        "leads"
        in api.post(URL, {"kind": "access", "name": "x", "leads": [0]}, format="json").json()
    )
    assert not SubjectRequest.objects.exists()


def test_correct_and_close(org, api_as, person):
    api = api_as(org.admin)
    request = api.post(URL, {"kind": "correction", "email": MARKED_EMAIL}, format="json").json()
    answer = api.post(
        f"{URL}{request['id']}/correct/", {"lead": person.pk, "name": "张三"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["events"][0]["kind"] == "corrected"
    person.refresh_from_db()
    assert person.name == "张三"
    still_open = api.post(
        f"{URL}{request['id']}/close/", {"status": "open", "outcome": "x"}, format="json"
    )
    assert still_open.status_code == 400 and "status" in still_open.json()
    closed = api.post(
        f"{URL}{request['id']}/close/", {"status": "completed", "outcome": "fixed"}, format="json"
    )
    assert closed.json()["status"] == "completed"


@pytest.mark.parametrize("role", ["agent_a1", "manager_a", "head", "inspector"])
def test_nobody_else(org, api_as, person, role):
    request = SubjectRequest.objects.create(kind="access", subject_name="x", due_on="2026-12-31")
    api = api_as(getattr(org, role))
    assert api.get(URL).status_code == 403
    assert api.get(f"{URL}{request.pk}/").status_code == 403
    assert api.post(URL, {"kind": "access", "name": "x"}, format="json").status_code == 403
    assert api.post(f"{URL}{request.pk}/erase/").status_code == 403
