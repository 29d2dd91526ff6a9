"""The privacy pages: administrators only; find the person, log the request, answer it."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import OrderStatus
from privacy.models import RequestKind, RequestStatus, SubjectRequest
from privacy.services.requests import request_open
from tests.leads.factories import LeadFactory
from tests.orders.factories import take_order

from .conftest import MARKED_EMAIL, MARKED_NAME, MARKED_PHONE


@pytest.fixture
def person(org):
    return LeadFactory(
        name=MARKED_NAME,
        phone=MARKED_PHONE,
        email=MARKED_EMAIL,
        owner=org.agent_a1.user,
        team=org.team_a,
    )


def deletion(org, person):
    return request_open(
        kind=RequestKind.DELETION, phone=MARKED_PHONE, by=org.admin.user, leads=[person]
    )


@pytest.mark.parametrize("role", ["agent_a1", "manager_a", "head", "inspector"])
def test_only_admins(org, client_as, person, role):
    request = deletion(org, person)
    client = client_as(getattr(org, role))
    assert client.get(reverse("privacy:list")).status_code == 403
    assert client.get(reverse("privacy:new")).status_code == 403
    assert client.get(reverse("privacy:detail", args=[request.pk])).status_code == 403
    assert (
        client.post(reverse("privacy:erase", args=[request.pk]), {"confirm": "1"}).status_code
        == 403
    )
    assert client.get(reverse("home")).content.decode().count(reverse("privacy:list")) == 0


def test_the_menu_shows_admins_the_requests(org, client_as):
    page = client_as(org.admin).get(reverse("home")).content.decode()
    assert reverse("privacy:list") in page


def test_the_list_filters_and_reads_a_fixed_number_of_queries(org, client_as, person):
    client = client_as(org.admin)
    request_open(kind=RequestKind.ACCESS, phone=MARKED_PHONE, by=org.admin.user)
    client.get(reverse("privacy:list"))
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("privacy:list"))
    assert page.status_code == 200 and "139****5678" in page.content.decode()
    for n in range(30):
        request_open(kind=RequestKind.DELETION, name=f"someone {n}", by=org.manager_a.user)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("privacy:list"))
    assert len(few) == len(many)
    only = client.get(reverse("privacy:list"), {"kind": "access"}).content.decode()
    assert "someone" not in only and "139****5678" in only
    overdue = client.get(reverse("privacy:list"), {"due": "overdue"}).content.decode()
    assert "139****5678" not in overdue


def test_find_the_person_then_log_the_request(org, client_as, person):
    client = client_as(org.admin)
    found = client.get(reverse("privacy:new"), {"phone": "139 1234 5678"})
    page = found.content.decode()
    assert found.status_code == 200 and f"#{person.pk}" in page
    assert "Follow-ups: 0" in page and "Customer records: 1" in page
    answer = client.post(
        reverse("privacy:new"),
        {
            "phone": "139 1234 5678",
            "kind": RequestKind.CORRECTION,
            "details": "wrong email",
            "leads": [person.pk],
        },
    )
    request = SubjectRequest.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "privacy:detail", args=[request.pk]
    )
    assert list(request.leads.all()) == [person] and request.subject_phone == MARKED_PHONE


def test_a_namesake_found_by_name_is_not_ticked(org, client_as, person):
    namesake = LeadFactory(name=MARKED_NAME, phone="+8613700000031")
    page = (
        client_as(org.admin)
        .get(reverse("privacy:new"), {"phone": MARKED_PHONE, "name": MARKED_NAME})
        .content.decode()
    )
    assert f'value="{person.pk}"' in page and f'value="{namesake.pk}"' in page
    ticked = [
        chunk for chunk in page.split("<input") if "checked" in chunk and 'name="leads"' in chunk
    ]
    assert len(ticked) == 1 and f'value="{person.pk}"' in ticked[0]


def test_a_bad_number_is_shown_on_the_search(org, client_as):
    page = client_as(org.admin).get(reverse("privacy:new"), {"phone": "12"}).content.decode()
    assert "alert-danger" in page and "The phone number" in page
    assert 'id="request-form"' not in page


def test_the_data_file_downloads_as_json(org, client_as, person):
    request = request_open(kind=RequestKind.ACCESS, phone=MARKED_PHONE, by=org.admin.user)
    answer = client_as(org.admin).post(reverse("privacy:export", args=[request.pk]))
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith("attachment;")
    data = json.loads(answer.content)
    assert data["customer_records"][0]["email"] == MARKED_EMAIL


def test_a_correction_on_the_page(org, client_as, person):
    request = request_open(kind=RequestKind.CORRECTION, phone=MARKED_PHONE, by=org.admin.user)
    client = client_as(org.admin)
    detail = client.get(reverse("privacy:detail", args=[request.pk])).content.decode()
    assert 'id="correction-form"' in detail and 'id="erase-form"' not in detail
    answer = client.post(
        reverse("privacy:correct", args=[request.pk]),
        {"lead": person.pk, "email": "fixed@example.com"},
    )
    assert answer.status_code == 302
    person.refresh_from_db()
    assert person.email == "fixed@example.com"
    refused = client.post(
        reverse("privacy:correct", args=[request.pk]), {"lead": person.pk, "phone": "12"}
    )
    assert refused.status_code == 400 and "invalid-feedback" in refused.content.decode()


def test_the_erasure_is_held_back_with_the_reason_shown(org, client_as, person):
    order = take_order(org.agent_a1, lead=person)
    request = deletion(org, person)
    client = client_as(org.admin)
    page = client.get(reverse("privacy:detail", args=[request.pk])).content.decode()
    assert 'id="erasure-held-back"' in page and order.number in page
    answer = client.post(reverse("privacy:erase", args=[request.pk]), {"confirm": "1"}, follow=True)
    assert order.number in answer.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN and order.number in request.held_back_reason
    type(order).objects.filter(pk=order.pk).update(status=OrderStatus.COMPLETED)
    assert client.post(reverse("privacy:erase", args=[request.pk])).status_code == 302  # no tick
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
    client.post(reverse("privacy:erase", args=[request.pk]), {"confirm": "1"})
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    page = client.get(reverse("privacy:detail", args=[request.pk])).content.decode()
    assert MARKED_NAME not in page and "****5678" in page
    assert "Customer records anonymized: 1" in page


def test_closing_on_the_page(org, client_as, person):
    request = request_open(kind=RequestKind.ACCESS, phone=MARKED_PHONE, by=org.admin.user)
    client = client_as(org.admin)
    assert (
        client.post(
            reverse("privacy:close", args=[request.pk]), {"status": "completed"}
        ).status_code
        == 400
    )
    client.post(
        reverse("privacy:close", args=[request.pk]), {"status": "completed", "outcome": "sent"}
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED and request.outcome == "sent"


def test_pages_in_chinese(org, client_as, person):
    request = deletion(org, person)
    client = client_as(org.admin)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("privacy:detail", args=[request.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "删除" in page.content.decode()
