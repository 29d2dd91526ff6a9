"""One marked person, put into every table that can hold personal data, the way the
product puts them there (imports, services, signals) wherever a service exists."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from aftersales.models import ImprovementItem, RevisitStatus, TicketEvent, TicketStatus, TicketType
from crm.models import Notification
from crm.phones import mask
from crm.services import notify
from leads.models import Call, ImportJob, Lead, LeadEvent, LeadStatus
from leads.services import importing
from leads.services.capture.pipeline import lead_update
from orders.models import Order, OrderEvent, OrderStatus
from performance.models import QualityScore
from privacy.models import RequestKind, RequestStatus, SubjectRequest
from privacy.services.requests import request_close, request_open
from risk.audit import acting_as
from risk.models import DoNotCall, ExportRecord, RiskEvent
from risk.services import do_not_call_add, phone_reveal, risk_event_record
from tests.aftersales.factories import RevisitFactory, TicketFactory
from tests.leads.factories import AssignmentFactory, CallFactory, FollowUpFactory
from tests.orders.factories import take_order
from training.models import Case, CaseComment, CaseOutcome

from .conftest import MARKED_EMAIL, MARKED_NAME, MARKED_PHONE

NATIONAL = MARKED_PHONE.removeprefix("+86")  # 13912345678
SPACED = "139 1234 5678"
#: What must be found nowhere after the erasure.
NEEDLES = (
    MARKED_NAME,
    NATIONAL,
    MARKED_PHONE,
    mask(MARKED_PHONE),  # 139****5678: keeps more than the last four digits
    "1391234****",
    SPACED,
    "139-1234-5678",
    MARKED_EMAIL,
    "zhangmarked",  # their WeChat id
)


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(rows)
    return out.getvalue().encode()


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run_import(org, content: bytes, name: str, **kwargs) -> ImportJob:
    job = importing.import_job_create(
        file=SimpleUploadedFile(name, content), by=org.manager_a.user, start=False, **kwargs
    )
    importing.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


@dataclass
class Marked:
    lead: Lead
    order: Order
    request: SubjectRequest
    earlier_request: SubjectRequest
    other_lead: Lead


def marked_person(org) -> Marked:
    agent, manager, admin = org.agent_a1.user, org.manager_a.user, org.admin.user
    header = ["姓名", "手机", "邮箱", "公司", "地区", "备注"]
    other_row = ["李四", "13800138000", "lisi@example.com", "乙公司", "北京", ""]
    # Captured from an import file: the lead, its source payload, the stored file.
    run_import(
        org,
        csv_bytes(
            [header, [MARKED_NAME, SPACED, MARKED_EMAIL, "Marked Co", "上海", "老客户"], other_row]
        ),
        "leads.csv",
    )
    lead = Lead.objects.get(phone=MARKED_PHONE)
    other_lead = Lead.objects.get(phone="+8613800138000")
    # Imported again from a workbook: a duplicate row on the report, and a second file.
    run_import(
        org, xlsx_bytes([header, [MARKED_NAME, "0086 139 1234 5678", "", "", "", ""]]), "again.xlsx"
    )
    # A do-not-call list that holds their number among others (an import of its own).
    run_import(
        org,
        csv_bytes([["手机", "原因"], ["139-1234-5678", "监管名单"], ["13700000001", "x"]]),
        "dnc.csv",
        kind="dnc",
    )
    DoNotCall.objects.filter(phone=MARKED_PHONE).delete()  # added below by the agent instead
    Lead.objects.filter(pk=lead.pk).update(
        owner=agent, team=org.team_a, assigned_at=timezone.now(), status=LeadStatus.CONTACTED
    )
    lead.refresh_from_db()
    # Edited through the service: the audit trail holds the values.
    lead_update(
        lead=lead,
        by=agent,
        wechat="zhangmarked",
        notes=f"{MARKED_NAME} prefers {SPACED} after 18:00, or {MARKED_EMAIL}",
        region="上海市 Marked 路 1 号",
    )
    AssignmentFactory(lead=lead, reason=f"{MARKED_NAME} asked for this agent")
    LeadEvent.objects.create(
        lead=lead, from_status="new", to_status="contacted", why=f"{MARKED_NAME} answered", by=agent
    )
    followup = FollowUpFactory(
        lead=lead, agent=agent, notes=f"{MARKED_NAME} said: call {NATIONAL} tomorrow"
    )
    recording = default_storage.save(
        f"recordings/{NATIONAL}.wav", ContentFile(b"RIFF....WAVE " + NATIONAL.encode())
    )
    call = CallFactory(
        lead=lead,
        agent=agent,
        direction=Call.Direction.INBOUND,
        caller=MARKED_PHONE,
        callee="8001",
        recording_url=f"{settings.MEDIA_URL}{recording}",
    )
    CallFactory(lead=None, agent=None, caller="8002", callee=NATIONAL, source="asterisk")
    QualityScore.objects.create(
        agent=agent,
        followup=followup,
        scorer=manager,
        professionalism=4,
        communication=4,
        problem_solving=4,
        comment=f"Good with {MARKED_NAME}",
    )
    QualityScore.objects.create(
        agent=agent,
        call=call,
        scorer=manager,
        professionalism=3,
        communication=3,
        problem_solving=3,
        comment=f"Read back {SPACED} correctly",
    )
    # An order, edited (audited), then finished: amounts and dates stay for the books.
    order = take_order(org.agent_a1, lead=lead)
    with acting_as(agent):
        order.delivery_address = f"{MARKED_NAME}, 上海市 Marked 路 1 号, {SPACED}"
        order.notes = f"Deliver to {MARKED_EMAIL}"
        order.tracking_number = "SF1234567890"
        order.save()
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.COMPLETED, delivered_at=timezone.now(), closed_at=timezone.now()
    )
    OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind.EDITED,
        reason=f"{MARKED_NAME} changed the address",
        by=agent,
    )
    RevisitFactory(
        order=order,
        lead=lead,
        status=RevisitStatus.DONE,
        reached=True,
        satisfaction=2,
        done_at=timezone.now(),
        feedback=f"{MARKED_NAME}: delivery was slow",
        follow_up_actions=f"Call {NATIONAL} next week",
    )
    now = timezone.now()
    ticket = TicketFactory(
        lead=lead,
        order=order,
        type=TicketType.COMPLAINT,
        subject=f"{MARKED_NAME} complains",
        description=f"Write to {MARKED_EMAIL}",
        status=TicketStatus.CLOSED,
        resolution=f"Refunded {MARKED_NAME}",
        resolved_at=now,
        closed_at=now,
    )
    TicketEvent.objects.create(
        ticket=ticket, kind=TicketEvent.Kind.NOTE, note=f"{MARKED_NAME} called from {SPACED}"
    )
    ImprovementItem.objects.create(
        title=f"{MARKED_NAME} unhappy", description=f"See {NATIONAL}", lead=lead, team=org.team_a
    )
    case = Case.objects.create(
        title=f"How we won {MARKED_NAME}",
        outcome=CaseOutcome.WON,
        body=f"{MARKED_NAME} ({SPACED}) wanted a discount",
        lessons="Listen first",
        author=agent,
        lead=lead,
        order=order,
    )
    CaseComment.objects.create(case=case, author=manager, body=f"{MARKED_NAME} is a good story")
    # They asked not to be called (the agent's follow-up does this in the product).
    do_not_call_add(
        phone=SPACED, reason=f"{MARKED_NAME} asked", source=DoNotCall.Source.CUSTOMER, by=agent
    )
    ExportRecord.objects.create(
        user=manager, kind="leads", query={"q": NATIONAL, "status": "won"}, format="csv"
    )
    risk_event_record(
        kind=RiskEvent.Kind.DNC_CAPTURE,
        user=agent,
        lead=lead,
        phone=MARKED_PHONE,
        detail=f"{MARKED_NAME} captured again",
    )
    phone_reveal(user=agent, lead=lead, reason=f"call {MARKED_NAME}")
    notify(
        user_id=agent.pk,
        key="marked-1",
        kind="followup_due",
        text=f"Follow up {MARKED_NAME} ({mask(MARKED_PHONE)})",
        url=reverse("leads:detail", args=[lead.pk]),
    )
    Notification.objects.create(
        user=manager, key="marked-2", kind="refused", text=f"{MARKED_PHONE} was refused"
    )
    LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(Lead),
        object_id=str(lead.pk),
        object_repr=MARKED_NAME,
        action_flag=CHANGE,
        change_message=f"Changed email to {MARKED_EMAIL}",
    )
    earlier = request_open(
        kind=RequestKind.ACCESS,
        by=admin,
        name=MARKED_NAME,
        phone=SPACED,
        email=MARKED_EMAIL,
        details=f"{MARKED_NAME} wants a copy",
        received_at=timezone.now() - dt.timedelta(days=40),
        leads=[lead],
    )
    request_close(
        request=earlier,
        status=RequestStatus.COMPLETED,
        outcome=f"File sent to {MARKED_EMAIL}",
        by=admin,
    )
    request = request_open(
        kind=RequestKind.DELETION,
        by=admin,
        name=MARKED_NAME,
        phone=SPACED,
        email=MARKED_EMAIL,
        details=f"{MARKED_NAME} asks to be forgotten",
        leads=[lead],
        do_not_call=True,
    )
    assert order.total == Decimal("1000.00")
    return Marked(
        lead=lead, order=order, request=request, earlier_request=earlier, other_lead=other_lead
    )
