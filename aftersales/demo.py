"""After-sales in the demo center: due revisits and a few tickets for the demo agents.

Revisits are scheduled through the service from delivered orders: the orders demo's if it
made some, else a delivered order or two per demo agent created here through the ORM.
Each of the first agents of every team then has a revisit due today, one overdue and a
day-30 one later; a few tickets (one overdue, so its manager sees it escalate) round it
off. Idempotent: the demo tickets mark the seed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from crm import demo_steps
from crm.models import Member, MemberStatus, Role
from leads.models import (
    OPEN_STATUSES,
    Disposition,
    FollowUp,
    FollowUpChannel,
    Lead,
    LeadEvent,
    LeadStatus,
)
from leads.services.moves import lead_move
from orders.models import Order, OrderStatus

from .models import Revisit, RevisitStatus, ServiceTicket, TicketPriority, TicketType
from .services import revisits, tickets

MARK = "演示工单"
AGENTS_PER_TEAM = 3


def is_seeded() -> bool:
    return ServiceTicket.objects.filter(subject__startswith=MARK).exists()


def _demo_agents() -> list[Member]:
    agents: dict[int, list[Member]] = {}
    for member in (
        Member.objects.filter(role=Role.AGENT, status=MemberStatus.ACTIVE, team__isnull=False)
        .select_related("user", "team")
        .order_by("user__username")
    ):
        agents.setdefault(member.team_id, []).append(member)
    return [m for members in agents.values() for m in members[:AGENTS_PER_TEAM]]


def _delivered_order(
    member: Member, *, days_ago: int, n: int, won_only: bool = False
) -> Order | None:
    """A delivered order of one of the agent's customers (the orders demo's, else new).

    `won_only`: only a lead the agent already won (whose follow-ups say so)."""
    user = member.user
    existing = (
        Order.objects.filter(agent=user, status=OrderStatus.DELIVERED, revisits__isnull=True)
        .order_by("id")
        .first()
    )
    if existing is not None:
        return existing
    # A lost or invalid lead cannot be won (leads.states): only won or open ones.
    leads = Lead.objects.filter(owner=user, status__in=(LeadStatus.WON, *OPEN_STATUSES))
    if won_only:
        leads = leads.filter(status=LeadStatus.WON)
    # Not a lead the agent is to call today: the leads demo gave each agent follow-ups
    # due within the hour and later today, and winning one here would take it away.
    due_today = Q(
        next_followup_at__gt=timezone.now(),
        next_followup_at__lte=timezone.now() + dt.timedelta(days=1),
    )
    lead = leads.exclude(orders__isnull=False).exclude(due_today).order_by("-status", "id").first()
    if lead is None:
        return None
    delivered_at = timezone.now() - dt.timedelta(days=days_ago, hours=2)
    if lead.status != LeadStatus.WON:
        # The follow-up that won the deal, a week before delivery, as the agent logged it.
        won_at = delivered_at - dt.timedelta(days=7)
        FollowUp.objects.create(
            lead=lead,
            agent=user,
            channel=FollowUpChannel.PHONE,
            disposition=Disposition.WON,
            notes="客户确认购买",
            created_at=won_at,
        )
        lead.followup_count = F("followup_count") + 1
        lead.last_contact_at = max(lead.last_contact_at or won_at, won_at)
        lead.next_followup_at = None
        lead_move(
            lead=lead,
            to=LeadStatus.WON,
            by=user,
            why=str(Disposition.WON.label),
            source=LeadEvent.Source.DISPOSITION,
            at=won_at,
            also=["followup_count", "last_contact_at", "next_followup_at"],
        )
        lead.refresh_from_db(fields=["followup_count"])
    amount = Decimal("1980.00") + n * 100
    return Order.objects.create(
        number=f"DEMO-AS-{user.username}-{n}",
        lead=lead,
        agent=user,
        team=member.team,
        status=OrderStatus.DELIVERED,
        list_total=amount,
        total=amount,
        confirmed_at=delivered_at - dt.timedelta(days=5),
        shipped_at=delivered_at - dt.timedelta(days=2),
        delivered_at=delivered_at,
        created_at=delivered_at - dt.timedelta(days=6),
        created_by=user,
    )


def _align_revisits() -> int:
    """The orders demo spreads its sales over the month by moving each order's story back
    (`orders.demo._backdate`); the revisits scheduled on delivery move with it, due the
    plan's days after the (moved) delivery day."""
    moved = 0
    scheduled = Revisit.objects.filter(
        status=RevisitStatus.SCHEDULED, plan__isnull=False, order__delivered_at__isnull=False
    ).select_related("plan", "order")
    for revisit in scheduled:
        due_at = revisits.revisit_due_at(
            delivered_at=revisit.order.delivered_at, days=revisit.plan.days_after_delivery
        )
        if due_at != revisit.due_at:
            moved += Revisit.objects.filter(pk=revisit.pk).update(due_at=due_at)
    return moved


@transaction.atomic
def seed() -> dict[str, int]:
    _align_revisits()
    counts = {"orders": 0, "revisits": 0, "tickets": 0}
    now = timezone.now()
    for index, member in enumerate(_demo_agents()):
        # Delivered 3 days ago → day-3 revisit due this morning; 5 days ago → overdue.
        for n, days_ago in enumerate((3, 5)):
            order = _delivered_order(member, days_ago=days_ago, n=n)
            if order is None:
                continue
            counts["orders"] += 1
            counts["revisits"] += len(revisits.revisits_schedule(order=order))
            if n == 0 and index % AGENTS_PER_TEAM == 0:
                overdue = index % 2 == 0
                opened = now - dt.timedelta(days=4 if overdue else 0, hours=1)
                tickets.ticket_open(
                    lead=order.lead,
                    order=order,
                    type=TicketType.REPAIR if overdue else TicketType.QUESTION,
                    priority=TicketPriority.HIGH if overdue else TicketPriority.NORMAL,
                    subject=f"{MARK}：" + ("设备无法开机" if overdue else "咨询使用方法"),
                    description="客户来电反映问题，需要跟进处理。",
                    by=member.user,
                    at=opened,
                )
                counts["tickets"] += 1
        if index % AGENTS_PER_TEAM < 2:
            counts["recorded"] = counts.get("recorded", 0) + _history(member, index, now=now)
    return counts


# Weeks back of the delivered orders whose revisits were already made (the satisfaction
# trend on the dashboards has something to show), and the scores the customers gave.
HISTORY_DAYS = (12, 26, 40, 54, 68)
SCORES = (5, 4, 5, 3, 4, 5, 4, 2, 5, 4)


def _history(member: Member, index: int, *, now: dt.datetime) -> int:
    """Delivered orders of past weeks with their revisits recorded through the service (a
    low score opens an improvement item, as it would have), dated when they were made."""
    recorded = 0
    for n, days_ago in enumerate(HISTORY_DAYS, start=2):
        order = _delivered_order(member, days_ago=days_ago, n=n, won_only=True)
        if order is None:
            continue
        delivered_at = order.delivered_at or now - dt.timedelta(days=days_ago)
        for revisit in revisits.revisits_schedule(order=order, delivered_at=delivered_at):
            if revisit.due_at >= now:
                continue
            score = SCORES[(index + n + recorded) % len(SCORES)]
            revisits.revisit_record(
                revisit=revisit,
                by=member.user,
                reached=True,
                satisfaction=score,
                feedback="客户对服务整体满意" if score >= 4 else "客户反映响应偏慢",
                at=revisit.due_at + dt.timedelta(hours=1),
            )
            recorded += 1
    return recorded


demo_steps.register(
    "aftersales",
    demo_steps.DemoStep(
        order=40,
        seed=seed,
        is_seeded=is_seeded,
        created="Demo after-sales created: {summary}",
        present="Demo after-sales already present.",
    ),
)
