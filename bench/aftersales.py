"""Generator step "aftersales": 600,000 revisits and 30,000 service tickets.

Revisits: three plans (the installed day-3 and day-30 ones plus a day-90 one), one revisit
per plan per delivered (or completed, or refunded) order, in order id order until
`revisits` are written. Each is assigned to the order's agent and due `days` after
delivery. Those due more than ten days ago were worked: 85% done (reached, satisfaction
mostly 4–5), 10% not reached, 5% still scheduled (overdue); those of refunded orders were
cancelled; the rest are scheduled, so the reminder sweep finds a realistic week's worth
still to announce.

Tickets: one for every 20th delivered order (question, repair, complaint, return), most
closed, the recent ones open or in progress, some past their SLA.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from aftersales.models import (
    ImprovementItem,
    Revisit,
    RevisitPlan,
    RevisitStatus,
    ServiceTicket,
    TicketEvent,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from aftersales.services import revisits as revisit_services
from orders.models import Order, OrderStatus

from .bulk import copy_rows, move_sequences
from .config import Size

MODELS = (ImprovementItem, TicketEvent, Revisit, ServiceTicket)
DAY = dt.timedelta(days=1)
REVISIT_FIELDS = (
    "order", "lead", "plan", "due_at", "assignee", "status", "reached", "satisfaction",
    "complaint", "feedback", "follow_up_actions", "done_at", "done_by", "created_at",
)  # fmt: skip
TICKET_FIELDS = (
    "id", "lead", "order", "team", "type", "priority", "subject", "description", "status",
    "assignee", "opened_by", "opened_at", "due_at", "resolution", "resolved_at", "closed_at",
    "updated_at",
)  # fmt: skip
_FEEDBACK = ("服务很好，安装及时。", "还不错。", "客服回复有点慢。", "价格偏高。", "")
_SUBJECTS = {
    TicketType.QUESTION: "发票开具咨询",
    TicketType.REPAIR: "设备无法联网，需上门检修",
    TicketType.COMPLAINT: "安装人员迟到两小时",
    TicketType.RETURN: "套餐不符合需求，申请退货",
}


def generate_aftersales(size: Size) -> None:
    rng = random.Random(size.seed + 7)
    now = timezone.now()
    revisit_services.defaults_install()
    RevisitPlan.objects.get_or_create(
        name="三个月回访", defaults={"days_after_delivery": 90, "is_active": True}
    )
    plans = list(
        RevisitPlan.objects.filter(is_active=True, product_category="")
        .order_by("days_after_delivery")
        .values_list("pk", "days_after_delivery")
    )
    delivered = list(
        Order.objects.filter(delivered_at__isnull=False)
        .order_by("id")
        .values_list("id", "lead_id", "agent_id", "team_id", "status", "delivered_at")
    )
    if not delivered:
        raise LookupError("the aftersales step needs delivered orders (run the orders step)")

    def revisit_rows():
        written = 0
        for order_id, lead_id, agent_id, _team, status, delivered_at in delivered:
            for plan_id, days in plans:
                if written >= size.revisits:
                    return
                written += 1
                due = delivered_at + days * DAY
                created = delivered_at
                if status == OrderStatus.REFUNDED:
                    yield (order_id, lead_id, plan_id, due, agent_id, RevisitStatus.CANCELLED,
                           None, None, False, "", "", None, None, created)  # fmt: skip
                    continue
                if due > now - 10 * DAY:
                    yield (order_id, lead_id, plan_id, due, agent_id, RevisitStatus.SCHEDULED,
                           None, None, False, "", "", None, None, created)  # fmt: skip
                    continue
                draw = rng.random()
                done_at = due + dt.timedelta(hours=int(rng.random() * 30))
                if draw < 0.85:
                    score = rng.choices((1, 2, 3, 4, 5), weights=(2, 3, 10, 35, 50))[0]
                    yield (order_id, lead_id, plan_id, due, agent_id, RevisitStatus.DONE,
                           True, score, score <= 2, rng.choice(_FEEDBACK), "", done_at, agent_id,
                           created)  # fmt: skip
                elif draw < 0.95:
                    yield (order_id, lead_id, plan_id, due, agent_id, RevisitStatus.MISSED,
                           False, None, False, "", "", done_at, agent_id, created)  # fmt: skip
                else:
                    yield (order_id, lead_id, plan_id, due, agent_id, RevisitStatus.SCHEDULED,
                           None, None, False, "", "", None, None, created)  # fmt: skip

    copy_rows(Revisit, REVISIT_FIELDS, revisit_rows())

    def ticket_rows():
        types = list(_SUBJECTS)
        for k, (order_id, lead_id, agent_id, team_id, _status, delivered_at) in enumerate(
            delivered[::20]
        ):
            kind = types[k % len(types)]
            priority = (TicketPriority.NORMAL, TicketPriority.HIGH, TicketPriority.LOW)[k % 3]
            opened = delivered_at + (2 + k % 20) * DAY
            due = opened + (48 if priority == TicketPriority.NORMAL else 24) * dt.timedelta(hours=1)
            if opened > now - 14 * DAY:
                status = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS)[k % 2]
                resolved = closed = None
                if opened > now:
                    opened, due = now - DAY, now + DAY
            else:
                status, resolved, closed = TicketStatus.CLOSED, opened + DAY, opened + 2 * DAY
            yield (
                k + 1, lead_id, order_id, team_id, kind, priority, _SUBJECTS[kind], "", status,
                agent_id, agent_id, opened, due, "已处理。" if resolved else "", resolved, closed,
                closed or opened,
            )  # fmt: skip

    copy_rows(ServiceTicket, TICKET_FIELDS, ticket_rows())
    move_sequences((ServiceTicket,))
