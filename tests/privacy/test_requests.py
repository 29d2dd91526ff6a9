"""Logging a request, its due date, the person's data file, corrections and closing."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from leads.models import Channel, Lead
from leads.services.capture.pipeline import lead_capture
from privacy import selectors
from privacy.models import RequestEvent, RequestKind, RequestStatus, SubjectRequest
from privacy.services import requests as services
from privacy.workdays import add_working_days, working_days_between
from risk.models import AuditEntry, ExportRecord
from tests.leads.factories import CallFactory, FollowUpFactory, LeadFactory
from tests.orders.factories import take_order

from .conftest import MARKED_EMAIL, MARKED_NAME, MARKED_PHONE

SHANGHAI = ZoneInfo("Asia/Shanghai")


class TestWorkingDays:
    def test_fifteen_working_days_skip_three_weekends(self):
        friday = dt.date(2026, 12, 4)
        assert add_working_days(friday, 15) == dt.date(2026, 12, 25)
        assert add_working_days(dt.date(2026, 12, 5), 1) == dt.date(2026, 12, 7)  # Sat → Mon
        assert working_days_between(friday, dt.date(2026, 12, 7)) == 1
        assert working_days_between(dt.date(2026, 12, 7), friday) == -1

    def test_a_request_received_on_a_saturday_evening_counts_from_monday(self, org):
        saturday_evening = dt.datetime(2026, 12, 5, 21, 0, tzinfo=SHANGHAI)
        assert services.due_date(saturday_evening) == dt.date(2026, 12, 25)


@pytest.fixture
def person(org):
    lead = LeadFactory(
        name=MARKED_NAME,
        phone=MARKED_PHONE,
        email=MARKED_EMAIL,
        owner=org.agent_a1.user,
        team=org.team_a,
    )
    return lead


class TestLoggingARequest:
    def test_found_by_any_written_number_and_due_in_fifteen_working_days(self, org, person):
        request = services.request_open(
            kind=RequestKind.ACCESS,
            phone="0086 139-1234-5678",
            email=" Marked@Example.com ",
            by=org.admin.user,
            leads=[person],
        )
        assert (request.subject_phone, request.subject_email) == (MARKED_PHONE, MARKED_EMAIL)
        assert request.due_on == add_working_days(timezone.localdate(), 15)
        assert request.handled_by == org.admin.user
        assert list(request.events.values_list("kind", flat=True)) == ["received"]
        entry = AuditEntry.objects.get(model_label="privacy.subjectrequest", object_id=request.pk)
        assert entry.after["kind"] == "access" and entry.actor == org.admin.user

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({}, "phone"),
            ({"phone": "12345"}, "phone"),
            ({"email": "not-an-email"}, "email"),
            ({"name": "x" * 101}, "name"),
            ({"name": "A", "kind": "forget"}, "kind"),
            ({"name": "A", "do_not_call": True, "kind": RequestKind.ACCESS}, "do_not_call"),
            ({"name": "A", "received_at": timezone.now() + dt.timedelta(hours=1)}, "received_at"),
        ],
    )
    def test_bad_input_names_the_field(self, org, fields, field):
        fields = {"kind": RequestKind.DELETION, **fields}
        with pytest.raises(ValidationError) as error:
            services.request_open(by=org.admin.user, **fields)
        assert field in error.value.message_dict
        assert not SubjectRequest.objects.exists()

    def test_finding_by_name_email_or_number(self, org, person):
        namesake = LeadFactory(name=MARKED_NAME.lower(), phone="+8613700000009")
        LeadFactory(name="someone else", phone="+8613700000010")
        by_phone = selectors.find_leads(org.admin.user, phone=MARKED_PHONE)
        by_email = selectors.find_leads(org.admin.user, email="MARKED@example.com")
        by_name = selectors.find_leads(org.admin.user, name=MARKED_NAME)
        assert list(by_phone) == list(by_email) == [person]
        assert set(by_name) == {person, namesake}


class TestTheDataFile:
    def test_holds_everything_about_the_person_and_is_logged(self, org, person):
        FollowUpFactory(lead=person, agent=org.agent_a1.user, notes="wants a quote")
        CallFactory(lead=person, recording_url="https://pbx.example.com/r/1.wav")
        CallFactory(lead=None, agent=None, caller=MARKED_PHONE, callee="8001")
        order = take_order(org.agent_a1, lead=person, delivery_address="上海市 1 号")
        request = services.request_open(
            kind=RequestKind.ACCESS, phone=MARKED_PHONE, by=org.admin.user
        )
        body = services.request_export(request=request, by=org.admin.user)
        data = json.loads(body)
        [record] = data["customer_records"]
        assert (record["name"], record["phone"], record["email"]) == (
            MARKED_NAME,
            MARKED_PHONE,
            MARKED_EMAIL,
        )
        assert record["followups"][0]["notes"] == "wants a quote"
        assert record["orders"][0]["number"] == order.number
        assert record["orders"][0]["delivery_address"] == "上海市 1 号"
        assert len(record["orders"][0]["lines"]) == 1
        assert len(data["calls"]) == 2
        assert {call["recording_url"] for call in data["calls"]} == {
            "https://pbx.example.com/r/1.wav",
            "",
        }
        assert data["audit_entries"], "the audit trail of their records"
        assert list(request.events.values_list("kind", flat=True)) == ["exported", "received"]
        audited = AuditEntry.objects.get(
            model_label="privacy.subjectrequest", action="bulk", after__event="exported"
        )
        assert audited.actor == org.admin.user
        logged = ExportRecord.objects.get(kind=services.EXPORT_KIND)
        assert logged.query == {"request": request.pk} and logged.row_count > 0

    def test_a_closed_request_has_no_file(self, org, person):
        request = services.request_open(
            kind=RequestKind.ACCESS, name=MARKED_NAME, by=org.admin.user
        )
        services.request_close(
            request=request,
            status=RequestStatus.REFUSED,
            outcome="identity not confirmed",
            by=org.admin.user,
        )
        with pytest.raises(ValidationError):
            services.request_export(request=request, by=org.admin.user)


class TestCorrection:
    @pytest.fixture
    def request_(self, org, person):
        return services.request_open(
            kind=RequestKind.CORRECTION, phone=MARKED_PHONE, by=org.admin.user
        )

    def test_goes_through_the_lead_service_and_is_audited(self, org, person, request_):
        services.request_correct(
            request=request_,
            lead=person,
            by=org.admin.user,
            name="张 Marked",
            email="new@example.com",
        )
        person.refresh_from_db()
        assert (person.name, person.email) == ("张 Marked", "new@example.com")
        event = request_.events.get(kind=RequestEvent.Kind.CORRECTED)
        assert event.data == {"lead": person.pk, "fields": ["email", "name"]}
        entry = AuditEntry.objects.filter(model_label="leads.lead", object_id=person.pk).first()
        assert entry.after["email"] == "new@example.com" and entry.actor == org.admin.user

    def test_a_number_of_another_customer_is_refused_on_the_field(self, org, person, request_):
        other = LeadFactory(phone="+8613700000011")
        with pytest.raises(ValidationError) as error:
            services.request_correct(
                request=request_, lead=person, by=org.admin.user, phone=other.phone
            )
        assert "phone" in error.value.message_dict
        assert not request_.events.filter(kind=RequestEvent.Kind.CORRECTED).exists()

    def test_only_the_persons_records(self, org, person, request_):
        stranger = LeadFactory(phone="+8613700000012")
        with pytest.raises(ValidationError) as error:
            services.request_correct(request=request_, lead=stranger, by=org.admin.user, name="x")
        assert "lead" in error.value.message_dict

    def test_an_access_request_corrects_nothing(self, org, person):
        request = services.request_open(
            kind=RequestKind.ACCESS, phone=MARKED_PHONE, by=org.admin.user
        )
        with pytest.raises(ValidationError):
            services.request_correct(request=request, lead=person, by=org.admin.user, name="x")


class TestClosing:
    def test_completed_with_an_outcome(self, org, person):
        request = services.request_open(
            kind=RequestKind.ACCESS, phone=MARKED_PHONE, by=org.admin.user
        )
        services.request_close(
            request=request, status=RequestStatus.COMPLETED, outcome="file sent", by=org.admin.user
        )
        request.refresh_from_db()
        assert request.status == RequestStatus.COMPLETED and request.closed_at is not None
        with pytest.raises(ValidationError):
            services.request_close(
                request=request, status=RequestStatus.REFUSED, outcome="again", by=org.admin.user
            )

    def test_an_outcome_is_required(self, org, person):
        request = services.request_open(
            kind=RequestKind.ACCESS, phone=MARKED_PHONE, by=org.admin.user
        )
        with pytest.raises(ValidationError) as error:
            services.request_close(
                request=request, status=RequestStatus.COMPLETED, outcome=" ", by=org.admin.user
            )
        assert "outcome" in error.value.message_dict

    def test_a_deletion_is_completed_only_by_erasing(self, org, person):
        request = services.request_open(
            kind=RequestKind.DELETION, phone=MARKED_PHONE, by=org.admin.user
        )
        with pytest.raises(ValidationError) as error:
            services.request_close(
                request=request, status=RequestStatus.COMPLETED, outcome="done", by=org.admin.user
            )
        assert "status" in error.value.message_dict
        services.request_close(
            request=request, status=RequestStatus.REFUSED, outcome="not them", by=org.admin.user
        )


def test_a_number_kept_as_a_hash_is_still_refused_at_capture(org, person):
    from privacy.services.erasure import erase_person

    request = services.request_open(
        kind=RequestKind.DELETION, phone=MARKED_PHONE, by=org.admin.user, do_not_call=True
    )
    erase_person(request=request, by=org.admin.user)
    with pytest.raises(ValidationError) as error:
        lead_capture(
            data={"phone": "139 1234 5678", "name": "again"},
            channel=Channel.MANUAL,
            by=org.agent_a1.user,
        )
    assert "phone" in error.value.message_dict
    assert not Lead.objects.filter(phone=MARKED_PHONE).exists()
