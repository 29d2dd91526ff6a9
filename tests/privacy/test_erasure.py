"""Erasure: held back while an order, ticket or dispute is open; only for deletions; a
namesake's records untouched; the number kept as a hash only when it must stay refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales.models import TicketStatus, TicketType
from orders.models import OrderStatus
from privacy.models import RequestEvent, RequestKind, RequestStatus
from privacy.services.erasure import ErasureHeldBack, erase_person
from privacy.services.requests import request_open
from risk.models import DoNotCall
from risk.services import is_do_not_call
from tests.aftersales.factories import TicketFactory
from tests.leads.factories import FollowUpFactory, LeadFactory
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


def deletion(org, **kwargs):
    return request_open(kind=RequestKind.DELETION, phone=MARKED_PHONE, by=org.admin.user, **kwargs)


class TestHeldBack:
    def test_by_an_order_not_finished(self, org, person):
        order = take_order(org.agent_a1, lead=person)
        request = deletion(org)
        with pytest.raises(ErasureHeldBack) as error:
            erase_person(request=request, by=org.admin.user)
        assert order.number in error.value.messages[0]
        request.refresh_from_db()
        assert request.status == RequestStatus.OPEN
        assert order.number in request.held_back_reason
        assert request.events.filter(kind=RequestEvent.Kind.HELD_BACK).exists()
        person.refresh_from_db()
        assert person.name == MARKED_NAME  # nothing was erased

    def test_by_an_open_complaint_a_dispute(self, org, person):
        ticket = TicketFactory(
            lead=person, type=TicketType.COMPLAINT, status=TicketStatus.IN_PROGRESS
        )
        request = deletion(org)
        with pytest.raises(ErasureHeldBack) as error:
            erase_person(request=request, by=org.admin.user)
        assert f"#{ticket.pk}" in error.value.messages[0]
        assert "dispute" in error.value.messages[0]

    def test_goes_ahead_once_the_order_is_finished(self, org, person):
        order = take_order(org.agent_a1, lead=person)
        type(order).objects.filter(pk=order.pk).update(
            status=OrderStatus.CANCELLED, closed_at=timezone.now()
        )
        request = erase_person(request=deletion(org), by=org.admin.user)
        assert request.status == RequestStatus.COMPLETED
        assert request.held_back_reason == ""


def test_only_a_deletion_request_erases(org, person):
    request = request_open(kind=RequestKind.ACCESS, phone=MARKED_PHONE, by=org.admin.user)
    with pytest.raises(ValidationError):
        erase_person(request=request, by=org.admin.user)


def test_a_second_erasure_of_the_same_request_is_refused(org, person):
    request = erase_person(request=deletion(org), by=org.admin.user)
    with pytest.raises(ValidationError):
        erase_person(request=request, by=org.admin.user)


def test_an_open_lead_is_closed_and_leaves_the_worklist(org, person):
    FollowUpFactory(lead=person, agent=org.agent_a1.user, notes=f"{MARKED_NAME} called")
    erase_person(request=deletion(org), by=org.admin.user)
    person.refresh_from_db()
    assert person.status == "lost" and person.next_followup_at is None
    assert person.followups.get().notes == ""


def test_a_namesake_is_left_alone(org, person):
    namesake = LeadFactory(name=MARKED_NAME, phone="+8613700000021", notes=f"{MARKED_NAME} too")
    erase_person(request=deletion(org, name=MARKED_NAME), by=org.admin.user)
    namesake.refresh_from_db()
    assert (namesake.name, namesake.notes) == (MARKED_NAME, f"{MARKED_NAME} too")


def test_no_do_not_call_entry_unless_asked_or_listed(org, person):
    erase_person(request=deletion(org), by=org.admin.user)
    assert not is_do_not_call(MARKED_PHONE)
    assert not DoNotCall.objects.exists()


def test_a_listed_number_stays_refused_as_a_hash(org, person):
    from risk.services import do_not_call_add

    do_not_call_add(phone=MARKED_PHONE, reason="监管名单", source=DoNotCall.Source.REGULATOR)
    erase_person(request=deletion(org), by=org.admin.user)
    entry = DoNotCall.objects.get()
    assert entry.is_hashed and MARKED_PHONE not in entry.phone
    assert entry.reason == "监管名单" and entry.source == DoNotCall.Source.REGULATOR
    assert is_do_not_call(MARKED_PHONE)


def test_a_hashed_number_is_a_duplicate_in_a_list_import_and_can_be_taken_off(org, person):
    from leads.models import ImportRow
    from risk.services import do_not_call_remove

    from .marked import csv_bytes, run_import

    erase_person(request=deletion(org, do_not_call=True), by=org.admin.user)
    assert DoNotCall.objects.get().is_hashed
    job = run_import(
        org, csv_bytes([["手机", "原因"], ["139 1234 5678", "名单"]]), "dnc.csv", kind="dnc"
    )
    assert (job.created_count, job.duplicate_count) == (0, 1)
    assert ImportRow.objects.get(job=job).outcome == ImportRow.Outcome.DUPLICATE
    assert DoNotCall.objects.count() == 1
    assert do_not_call_remove(phone="139 1234 5678", by=org.admin.user) is True
    assert not is_do_not_call(MARKED_PHONE)
