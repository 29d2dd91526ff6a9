"""Rewards and penalties (激励与奖惩): a manager proposes, a department head decides.

Moves (one service each, under a row lock): proposed → approved | rejected (a department
head whose subtree holds the agent's team, or an administrator; never the proposer),
proposed → withdrawn (the proposer). Bonuses and deductions carry an amount; promotion
recommendations and warnings do not.

Who hears of it: a proposal goes to the heads above the team (or, with no head above it,
to the administrators); a decision goes to the proposer; an approval also goes to the
agent (agents only ever see approved incentives, so a rejected or withdrawn proposal is
never announced to them).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import access
from crm.models import Department, Member, MemberStatus, Role
from crm.services import notify
from performance import access as performance_access

from ..models import Incentive
from ..periods import Period

MOVES = {
    Incentive.Status.PROPOSED: {
        Incentive.Status.APPROVED,
        Incentive.Status.REJECTED,
        Incentive.Status.WITHDRAWN,
    },
}
WITH_AMOUNT = {Incentive.Kind.BONUS, Incentive.Kind.DEDUCTION}
MAX_AMOUNT = Decimal("999999999999.99")


def _url() -> str:
    return reverse("performance:incentives")


def deciders_of(*, team_id: int | None) -> list[int]:
    """Users who decide incentives of a team: the heads of its department and ancestors."""
    if team_id is None:
        return list(
            Member.objects.filter(role=Role.ADMIN, user__is_active=True).values_list(
                "user_id", flat=True
            )
        )
    path = Department.objects.filter(teams__pk=team_id).values_list("path", flat=True).first()
    parts = [part for part in (path or "").split("/") if part]
    prefixes = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    heads = list(
        Department.objects.filter(path__in=prefixes, head__isnull=False, head__is_active=True)
        .values_list("head_id", flat=True)
        .distinct()
    )
    return heads or deciders_of(team_id=None)


def _clean_amount(kind: str, amount) -> Decimal | None:
    if kind in WITH_AMOUNT:
        if amount in (None, ""):
            raise ValidationError({"amount": _("A bonus or deduction needs an amount.")})
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            raise ValidationError({"amount": _("Enter an amount.")}) from None
        if not value.is_finite() or value <= 0 or value > MAX_AMOUNT:
            raise ValidationError({"amount": _("The amount must be more than zero.")})
        return value.quantize(Decimal("0.01"))
    if amount not in (None, ""):
        raise ValidationError(
            {"amount": _("A promotion recommendation or a warning has no amount.")}
        )
    return None


@transaction.atomic
def incentive_propose(
    *,
    by: User,
    agent: User,
    kind: str,
    period: Period,
    reason: str,
    amount: Decimal | str | None = None,
) -> Incentive:
    """A manager proposes a reward or penalty for an agent of their team."""
    if not performance_access.can_manage_performance(by):
        raise ValidationError({"agent": _("You may not propose incentives.")})
    member = (
        access.visible_members(by).filter(user_id=agent.pk).first() if agent.pk != by.pk else None
    )
    if member is None:
        raise ValidationError({"agent": _("This agent is not in your team.")})
    if member.role != Role.AGENT:
        raise ValidationError({"agent": _("Incentives are for agents.")})
    if member.status == MemberStatus.LEFT:
        raise ValidationError({"agent": _("This agent has left.")})
    if kind not in Incentive.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of incentive.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why.")})
    incentive = Incentive.objects.create(
        agent_id=agent.pk,
        team_id=member.team_id,
        kind=kind,
        amount=_clean_amount(kind, amount),
        period_kind=period.kind,
        period_start=period.start,
        reason=reason.strip(),
        proposed_by=by,
    )
    text = _("%(who)s proposes a %(kind)s for %(agent)s: waiting for your decision.") % {
        "who": by.get_full_name() or by.get_username(),
        "kind": incentive.get_kind_display(),
        "agent": member.display_name,
    }
    for decider in deciders_of(team_id=member.team_id):
        if decider != by.pk:
            notify(
                user_id=decider,
                key=f"incentive-proposed:{incentive.pk}",
                kind="incentive",
                text=text,
                url=_url(),
            )
    return incentive


def _locked(incentive: Incentive, to: str) -> Incentive:
    locked = (
        Incentive.objects.select_for_update()
        .select_related("agent", "proposed_by")
        .get(pk=incentive.pk)
    )
    if to not in MOVES.get(locked.status, set()):
        raise ValidationError(
            {
                "status": _("A %(status)s incentive cannot be %(to)s.")
                % {
                    "status": locked.get_status_display().lower(),
                    "to": Incentive.Status(to).label.lower(),
                }
            }
        )
    return locked


def _decide(*, by: User, incentive: Incentive, to: str, note: str) -> Incentive:
    if not performance_access.can_decide_incentives(by) or not (
        performance_access.visible_incentives(by).filter(pk=incentive.pk).exists()
    ):
        raise ValidationError({"incentive": _("You may not decide this incentive.")})
    locked = _locked(incentive, to)
    if locked.proposed_by_id == by.pk or locked.agent_id == by.pk:
        raise ValidationError({"decided_by": _("Someone else decides an incentive you proposed.")})
    locked.status = to
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.decision_note = (note or "").strip()[:300]
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    label = locked.get_kind_display()
    notify(
        user_id=locked.proposed_by_id,
        key=f"incentive-{to}:{locked.pk}",
        kind="incentive",
        text=_("Your proposal (%(kind)s for %(agent)s) was %(decision)s.")
        % {
            "kind": label,
            "agent": locked.agent.get_full_name() or locked.agent.get_username(),
            "decision": locked.get_status_display().lower(),
        },
        url=_url(),
    )
    if to == Incentive.Status.APPROVED:
        notify(
            user_id=locked.agent_id,
            key=f"incentive-approved:{locked.pk}",
            kind="incentive",
            text=_("You have a new %(kind)s record.") % {"kind": label},
            url=_url(),
        )
    return locked


@transaction.atomic
def incentive_approve(*, by: User, incentive: Incentive, note: str = "") -> Incentive:
    return _decide(by=by, incentive=incentive, to=Incentive.Status.APPROVED, note=note)


@transaction.atomic
def incentive_reject(*, by: User, incentive: Incentive, note: str) -> Incentive:
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the proposal is rejected.")})
    return _decide(by=by, incentive=incentive, to=Incentive.Status.REJECTED, note=note)


@transaction.atomic
def incentive_withdraw(*, by: User, incentive: Incentive) -> Incentive:
    if incentive.proposed_by_id != by.pk:
        raise ValidationError({"proposed_by": _("Only who proposed it may withdraw it.")})
    locked = _locked(incentive, Incentive.Status.WITHDRAWN)
    locked.status = Incentive.Status.WITHDRAWN
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at"])
    return locked
