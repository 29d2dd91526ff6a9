"""Discount approvals: a discount beyond the seller's role limit waits for the approval of
someone over the order whose own limit covers it."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Member, Notification, Role

from ..access import can_approve_order, discount_limit_for
from ..models import ZERO, Approval, Order, OrderEvent, OrderStatus
from .who_may_act import copy_back


def approval_update(*, order: Order, by: User, changed: bool) -> None:
    """After the lines changed: within the seller's limit no approval is needed; beyond
    it the order waits for one (again, if its amounts changed since an approval)."""
    limit = discount_limit_for(
        role=Member.objects.filter(user_id=order.agent_id).values_list("role", flat=True).first()
        or (Role.ADMIN if order.agent.is_superuser else None)
    )
    if order.discount_total == ZERO or order.discount_percent <= limit:
        order.approval = Approval.NOT_NEEDED
        order.approved_by, order.approved_at = None, None
        return
    if order.approval == Approval.APPROVED and not changed:
        return
    if order.approval != Approval.PENDING or changed:
        order.approval = Approval.PENDING
        order.approved_by, order.approved_at = None, None
        event = OrderEvent.objects.create(
            order=order,
            kind=OrderEvent.Kind.APPROVAL_REQUESTED,
            reason=_("Discount %(percent)s%% is above the limit of %(limit)s%%.")
            % {"percent": order.discount_percent, "limit": limit},
            by=by,
        )
        _notify_approvers(order, key=f"order-approval:{order.pk}:{event.pk}")


def _notify_approvers(order: Order, *, key: str) -> None:
    """Tell the team's manager that a discount waits for them (once per request)."""
    manager_id = order.team.manager_id if order.team_id and order.team else None
    if not manager_id or manager_id == order.agent_id:
        return
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=manager_id,
                kind="order_approval",
                key=key,
                text=(
                    _("Order %(number)s waits for your discount approval.")
                    % {"number": order.number}
                )[:300],
                url=reverse("orders:detail", args=[order.pk]),
            )
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def order_approve(*, order: Order, by: User, reason: str = "") -> Order:
    """Approve the discount of a draft that waits for it."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    _check_may_approve(locked, by)
    locked.approval = Approval.APPROVED
    locked.approved_by, locked.approved_at = by, timezone.now()
    locked.save(update_fields=["approval", "approved_by", "approved_at", "updated_at"])
    OrderEvent.objects.create(order=locked, kind=OrderEvent.Kind.APPROVED, reason=reason, by=by)
    _notify_agent(
        locked,
        key=f"order-approved:{locked.pk}:{locked.approved_at:%Y%m%d%H%M%S}",
        text=_("The discount of order %(number)s was approved."),
    )
    return copy_back(locked=locked, order=order)


@transaction.atomic
def order_reject(*, order: Order, by: User, reason: str) -> Order:
    """Refuse the discount: the seller lowers it (which asks again) or cancels."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the discount is refused.")})
    locked = Order.objects.select_for_update().get(pk=order.pk)
    _check_may_approve(locked, by)
    locked.approval = Approval.REJECTED
    locked.approved_by, locked.approved_at = by, timezone.now()
    locked.save(update_fields=["approval", "approved_by", "approved_at", "updated_at"])
    OrderEvent.objects.create(
        order=locked, kind=OrderEvent.Kind.REJECTED, reason=reason.strip(), by=by
    )
    _notify_agent(
        locked,
        key=f"order-rejected:{locked.pk}:{locked.approved_at:%Y%m%d%H%M%S}",
        text=_("The discount of order %(number)s was refused."),
    )
    return copy_back(locked=locked, order=order)


def _check_may_approve(order: Order, by: User) -> None:
    if order.approval != Approval.PENDING or order.status != OrderStatus.DRAFT:
        raise ValidationError({"approval": _("This order does not wait for an approval.")})
    if not can_approve_order(by, order):
        raise ValidationError(
            {
                "approval": _(
                    "Only a manager of the seller's team, or a head or administrator over it, "
                    "whose own limit covers a %(percent)s%% discount may approve it."
                )
                % {"percent": order.discount_percent}
            }
        )


def _notify_agent(order: Order, *, key: str, text: str) -> None:
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=order.agent_id,
                kind="order_approval",
                key=key,
                text=(text % {"number": order.number})[:300],
                url=reverse("orders:detail", args=[order.pk]),
            )
        ],
        ignore_conflicts=True,
    )
