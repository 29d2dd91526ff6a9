"""Taking an order from a lead and editing it while it is a draft."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Member
from leads import access as leads_access
from leads.models import OPEN_STATUSES, Lead, LeadStatus
from leads.services import followups
from orders import access as orders_access

from ..models import Approval, Order, OrderEvent, OrderLine, OrderStatus, PaymentTerms
from .discounts import approval_update
from .line_items import fields_clean, lines_clean
from .who_may_act import copy_back, order_lock_for_change


def _number_for(order: Order) -> str:
    return f"SO{timezone.localtime(order.created_at):%Y%m%d}{order.pk:06d}"


@transaction.atomic
def order_create_from_lead(
    *,
    lead: Lead,
    by: User,
    lines: Iterable[Mapping],
    payment_terms: str = PaymentTerms.PREPAID,
    delivery_address: str = "",
    expected_delivery_on: dt.date | None = None,
    notes: str = "",
) -> Order:
    """Take an order from a lead: the customer is the lead, the agent its owner (or `by`
    when the lead has none), the team the agent's current team; the lead becomes won.

    Refused: someone who may not work the lead or does not sell, a lost or invalid lead,
    no lines or a bad line, an expected delivery in the past.
    """
    now = timezone.now()
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if not orders_access.can_take_orders(by) and not orders_access.can_manage_orders(by):
        raise ValidationError({"lead": _("Your role does not take orders.")})
    if not leads_access.can_work_lead(by, locked):
        raise ValidationError(
            {"lead": _("Only the lead's owner or their manager may take an order.")}
        )
    if locked.status not in (*OPEN_STATUSES, LeadStatus.WON):
        raise ValidationError(
            {
                "lead": _("This lead is closed (%(status)s).")
                % {"status": locked.get_status_display()}
            }
        )
    fields = fields_clean(
        fields={
            "payment_terms": payment_terms,
            "delivery_address": delivery_address or "",
            "expected_delivery_on": expected_delivery_on,
            "notes": notes or "",
        },
        today=timezone.localdate(now),
    )
    cleaned = lines_clean(lines=lines)
    agent = locked.owner if locked.owner_id else by
    team_id = Member.objects.filter(user_id=agent.pk).values_list("team_id", flat=True).first()
    order = Order(
        number=f"new-{uuid.uuid4().hex[:24]}",
        lead=locked,
        agent=agent,
        team_id=team_id,
        created_by=by,
        created_at=now,
        **fields,
    )
    order.recompute_totals(cleaned)
    order.save()
    order.number = _number_for(order)
    for line in cleaned:
        line.order = order
    OrderLine.objects.bulk_create(cleaned)
    OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind.CREATED,
        to_status=OrderStatus.DRAFT,
        reason=_("Taken from lead #%(lead)d") % {"lead": locked.pk},
        by=by,
        at=now,
    )
    approval_update(order=order, by=by, changed=True)
    order.save(update_fields=["number", "approval", "approved_by", "approved_at", "updated_at"])
    followups.lead_mark_won(
        lead=locked, by=by, reason=_("Order %(number)s") % {"number": order.number}
    )
    lead.refresh_from_db(fields=["status", "closed_reason", "next_followup_at"])
    return order


@transaction.atomic
def order_edit(
    *, order: Order, by: User, lines: Iterable[Mapping] | None = None, **fields
) -> Order:
    """Change a draft: replace its lines and/or its terms, address, delivery date, notes.

    Totals are recomputed and the discount approval re-evaluated (a changed amount beyond
    the limit asks for approval again).
    """
    locked = order_lock_for_change(order=order, by=by)
    if locked.status != OrderStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft order can be edited.")})
    cleaned_fields = fields_clean(fields=fields, today=timezone.localdate())
    for name, value in cleaned_fields.items():
        setattr(locked, name, "" if value is None and name != "expected_delivery_on" else value)
    changed = False
    if lines is not None:
        cleaned = lines_clean(lines=lines)
        before = (locked.list_total, locked.discount_total)
        locked.lines.all().delete()
        for line in cleaned:
            line.order = locked
        OrderLine.objects.bulk_create(cleaned)
        locked.recompute_totals(cleaned)
        changed = (locked.list_total, locked.discount_total) != before
        if not changed and locked.approval == Approval.REJECTED:
            changed = True  # the seller asks again
    OrderEvent.objects.create(
        order=locked,
        kind=OrderEvent.Kind.EDITED,
        reason=", ".join([*cleaned_fields, *(["lines"] if lines is not None else [])]),
        by=by,
    )
    if lines is not None:
        approval_update(order=locked, by=by, changed=changed)
    locked.save()
    return copy_back(locked=locked, order=order)
