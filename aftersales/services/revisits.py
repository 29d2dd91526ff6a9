"""Revisits (回访): scheduled from the plans when an order is delivered, then recorded.

- `revisits_schedule` runs when an order becomes delivered (the `order_moved` receiver in
  `aftersales.apps`): one revisit per active plan that fits the order, due on the plan's
  day after delivery at `REVISIT_HOUR` local time (Asia/Shanghai). (order, plan) is unique
  and rows are inserted with `ignore_conflicts`, so scheduling twice creates nothing twice.
- `revisits_cancel` cancels the scheduled ones when the order is refunded.
- `revisit_record` records the call; a complaint opens a complaint ticket, a low score
  (≤ `LOW_SCORE`) without a complaint an improvement item (持续改进), each linked back.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import access as aftersales_access
from crm import access
from crm.models import Member, MemberStatus, Role, Team
from leads.models import Lead
from orders.models import Order

from ..models import (
    ImprovementItem,
    Revisit,
    RevisitPlan,
    RevisitStatus,
    TicketPriority,
    TicketType,
)
from . import satisfaction as satisfaction_alerts
from . import tickets

# Revisits are due at this local hour on their day: the start of a working day.
REVISIT_HOUR = 9
# A satisfaction at or below this is a poor revisit.
LOW_SCORE = 2


def revisit_due_at(*, delivered_at: dt.datetime, days: int) -> dt.datetime:
    """`days` calendar days after the local (Asia/Shanghai) delivery day, at REVISIT_HOUR."""
    zone = timezone.get_default_timezone()
    day = timezone.localtime(delivered_at, zone).date() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(REVISIT_HOUR)), zone)


def revisit_assignee_for(*, order: Order) -> User | None:
    """The order's agent while they work here; else a service agent of the order's team
    (the active agent with the fewest scheduled revisits), else the team's manager."""
    agent = order.agent
    member = Member.objects.filter(user=agent).only("status", "role").first()
    if agent.is_active and member is not None and member.status == MemberStatus.ACTIVE:
        return agent
    team_id = order.team_id or (member.team_id if member else None)
    if team_id is None:
        return None
    stand_in = (
        Member.objects.filter(
            team_id=team_id, role=Role.AGENT, status=MemberStatus.ACTIVE, user__is_active=True
        )
        .exclude(user=agent)
        .annotate(
            load=Count("user__revisits", filter=Q(user__revisits__status=RevisitStatus.SCHEDULED))
        )
        .order_by("load", "pk")
        .select_related("user")
        .first()
    )
    if stand_in is not None:
        return stand_in.user
    manager = order.team.manager if order.team_id else None
    return manager if manager is not None and manager.is_active else None


def _plans_for(order) -> list[RevisitPlan]:
    """The active plans that apply to `order`: by product category, and by the tier of the
    order's customer (read over the lead's customer, named by string: after-sales imports
    nothing from the customers app above it)."""
    plans = list(RevisitPlan.objects.filter(is_active=True))
    if any(plan.product_category for plan in plans):
        categories = set(order.lines.values_list("product__category", flat=True))
    else:
        categories = set()
    tier_id = None
    if any(plan.tier_id for plan in plans):
        tier_id = (
            Lead.objects.filter(pk=order.lead_id)
            .values_list("customer__tier_id", flat=True)
            .first()
        )
    return [
        p
        for p in plans
        if (not p.product_category or p.product_category in categories)
        and (p.tier_id is None or p.tier_id == tier_id)
    ]


@transaction.atomic
def revisits_schedule(*, order: Order, delivered_at: dt.datetime | None = None) -> list[Revisit]:
    """Schedule the order's revisits from the active plans. Idempotent: a plan that already
    has a revisit for this order gets no second one. Returns the order's scheduled revisits."""
    delivered_at = delivered_at or order.delivered_at or timezone.now()
    plans = _plans_for(order)
    if plans:
        assignee = revisit_assignee_for(order=order)
        Revisit.objects.bulk_create(
            [
                Revisit(
                    order=order,
                    lead_id=order.lead_id,
                    plan=plan,
                    due_at=revisit_due_at(delivered_at=delivered_at, days=plan.days_after_delivery),
                    assignee=assignee,
                )
                for plan in plans
            ],
            ignore_conflicts=True,
        )
    return list(Revisit.objects.filter(order=order, status=RevisitStatus.SCHEDULED))


@transaction.atomic
def revisits_cancel(*, order: Order) -> int:
    """The order was refunded or returned: its revisits still to do are cancelled."""
    return Revisit.objects.filter(order=order, status=RevisitStatus.SCHEDULED).update(
        status=RevisitStatus.CANCELLED
    )


@transaction.atomic
def revisit_record(
    *,
    revisit: Revisit,
    by: User,
    reached: bool,
    satisfaction: int | None = None,
    feedback: str = "",
    follow_up_actions: str = "",
    complaint: bool = False,
    at: dt.datetime | None = None,
) -> Revisit:
    """Record a revisit call. Reached: a satisfaction 1–5 is required; not reached: the
    revisit is marked not reached (and takes no score).

    A complaint opens a complaint ticket (high priority); a score of LOW_SCORE or less
    without a complaint opens an improvement item for the team. Both are linked back.
    """
    locked = (
        Revisit.objects.select_for_update(of=("self",)).select_related("order").get(pk=revisit.pk)
    )
    if by is not None and not aftersales_access.can_record_revisit(by, locked):
        raise ValidationError(_("You may not record this revisit."))
    if locked.status != RevisitStatus.SCHEDULED:
        raise ValidationError(
            {
                "status": _("This revisit is already %(status)s.")
                % {"status": locked.get_status_display()}
            }
        )
    if reached:
        if satisfaction is None:
            raise ValidationError({"satisfaction": _("How satisfied is the customer (1–5)?")})
        if not 1 <= int(satisfaction) <= 5:
            raise ValidationError({"satisfaction": _("Satisfaction is from 1 to 5.")})
    else:
        if satisfaction is not None:
            raise ValidationError(
                {"satisfaction": _("A customer who was not reached gives no score.")}
            )
        if complaint:
            raise ValidationError(
                {"complaint": _("A customer who was not reached made no complaint.")}
            )
    at = at or timezone.now()
    locked.reached = bool(reached)
    locked.satisfaction = int(satisfaction) if reached else None
    locked.complaint = bool(complaint)
    locked.feedback = feedback or ""
    locked.follow_up_actions = follow_up_actions or ""
    locked.status = RevisitStatus.DONE if reached else RevisitStatus.MISSED
    locked.done_at = at
    locked.done_by = by
    fields = [
        "reached",
        "satisfaction",
        "complaint",
        "feedback",
        "follow_up_actions",
        "status",
        "done_at",
        "done_by",
    ]
    if complaint:
        ticket = tickets.ticket_open(
            lead=locked.lead,
            order=locked.order,
            type=TicketType.COMPLAINT,
            priority=TicketPriority.HIGH,
            subject=_("Complaint at revisit: %(feedback)s")
            % {"feedback": (feedback or "").strip()[:80] or _("see the revisit")},
            description=_("Satisfaction %(score)s. %(feedback)s")
            % {"score": satisfaction, "feedback": feedback},
            assignee=locked.assignee or by,
            by=by,
            at=at,
        )
        locked.ticket = ticket
        fields.append("ticket")
    locked.save(update_fields=fields)
    if reached and not complaint and locked.satisfaction <= LOW_SCORE:
        improvement_open(
            title=_("Low satisfaction (%(score)s) at revisit of order %(order)s")
            % {"score": locked.satisfaction, "order": locked.order.number},
            description=feedback,
            revisit=locked,
            by=by,
        )
    if reached:
        # When satisfaction drops, the team's manager and head hear it (once).
        satisfaction_alerts.satisfaction_check(team_id=locked.order.team_id, now=at)
    return locked


@transaction.atomic
def revisit_reassign(*, revisit: Revisit, assignee: User, by: User) -> Revisit:
    """Hand a scheduled revisit to someone else (managers, within their scope)."""
    if by is not None and not aftersales_access.can_manage_service(by):
        raise ValidationError(_("Only managers may reassign revisits."))
    locked = Revisit.objects.select_for_update().get(pk=revisit.pk)
    if by is not None and not aftersales_access.visible_revisits(by).filter(pk=locked.pk).exists():
        raise ValidationError(_("You may not record this revisit."))
    if locked.status != RevisitStatus.SCHEDULED:
        raise ValidationError({"status": _("Only a scheduled revisit can be reassigned.")})
    if assignee is None or not assignee.is_active:
        raise ValidationError({"assignee": _("Choose an active member.")})
    if by is not None and not access.visible_members(by).filter(user=assignee).exists():
        raise ValidationError({"assignee": _("Choose someone in your teams.")})
    locked.assignee = assignee
    locked.reminded_at = None
    locked.save(update_fields=["assignee", "reminded_at"])
    return locked


# --- improvement items (持续改进) ----------------------------------------------------------


@transaction.atomic
def improvement_open(
    *,
    title: str,
    by: User,
    description: str = "",
    revisit: Revisit | None = None,
    lead: Lead | None = None,
    team: Team | None = None,
    owner: User | None = None,
) -> ImprovementItem:
    """Note something to improve. From a revisit: its customer and the order's team, owned
    by the team's manager. By hand: the author's team, owned by the author unless given."""
    if not (title or "").strip():
        raise ValidationError({"title": _("Give the item a title.")})
    if revisit is not None:
        order = revisit.order
        lead = lead or revisit.lead
        team = team or order.team
        owner = owner or (team.manager if team is not None else None) or revisit.assignee
    if team is None and by is not None:
        member = getattr(by, "member", None)
        team = member.team if member is not None else None
    if owner is None:
        owner = by
    return ImprovementItem.objects.create(
        title=title.strip()[:200],
        description=description or "",
        source=ImprovementItem.Source.REVISIT if revisit else ImprovementItem.Source.MANUAL,
        revisit=revisit,
        lead=lead,
        team=team,
        owner=owner,
        created_by=by,
    )


@transaction.atomic
def improvement_update(
    *, item: ImprovementItem, by: User, status: str | None = None, notes: str | None = None
) -> ImprovementItem:
    """Move an improvement item along or add notes (its owner, or a manager who sees it)."""
    if by is not None and not (item.owner_id == by.pk or aftersales_access.can_manage_service(by)):
        raise ValidationError(_("You may not change this item."))
    locked = ImprovementItem.objects.select_for_update().get(pk=item.pk)
    fields = []
    if status is not None:
        if status not in ImprovementItem.Status.values:
            raise ValidationError({"status": _("Choose a status.")})
        locked.status = status
        closed = status in (ImprovementItem.Status.DONE, ImprovementItem.Status.DROPPED)
        locked.closed_at = timezone.now() if closed else None
        fields += ["status", "closed_at"]
    if notes is not None:
        locked.notes = notes
        fields.append("notes")
    if fields:
        locked.save(update_fields=fields)
    return locked


# The plans and SLAs a center starts with (the data migration installs a frozen copy).
DEFAULT_PLANS = (("第3天回访", 3), ("第30天回访", 30))


@transaction.atomic
def defaults_install() -> int:
    """Add the default revisit plans and ticket SLAs that are missing; keep admins' edits.
    Returns how many rows were added."""
    from ..models import TicketSLA

    added = 0
    for name, days in DEFAULT_PLANS:
        _plan, created = RevisitPlan.objects.get_or_create(
            name=name, defaults={"days_after_delivery": days}
        )
        added += created
    for priority, hours in tickets.FALLBACK_SLA_HOURS.items():
        _sla, created = TicketSLA.objects.get_or_create(
            priority=priority, defaults={"resolve_within_hours": hours}
        )
        added += created
    return added
