"""Promotion paths: a member's progress towards the next level (tenure, courses,
scorecard thresholds of the last complete month), proposals and their decisions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import access
from crm.models import Member, MemberStatus
from performance.labels import builtin_label, indicator_label
from training import access as training_access

from ..models import (
    Enrollment,
    EnrollmentStatus,
    MemberLevel,
    PromotionLevel,
    PromotionProposal,
    ProposalStatus,
    TrainingEvent,
)


def tenure_months(*, member: Member, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    months = (today.year - member.hire_date.year) * 12 + today.month - member.hire_date.month
    if today.day < member.hire_date.day:
        months -= 1
    return max(months, 0)


_UNKNOWN = object()


def scorecard_figures(*, user_ids: Iterable[int]) -> dict[int, dict[str, tuple]]:
    """Each agent's figures on their scorecard of the last complete month.

    Promotion thresholds are judged on a closed month, not on the month under way: the
    figures of an open month move every quarter of an hour. Returns
    {user_id: {indicator code: (value, higher_is_better, name), "total": (total, True, …)}}.
    """
    from performance.models import Level, PeriodKind, ScorecardValue
    from performance.periods import current_period

    period = current_period(PeriodKind.MONTH).previous()
    figures: dict[int, dict[str, tuple]] = defaultdict(dict)
    rows = ScorecardValue.objects.filter(
        scorecard__level=Level.AGENT,
        scorecard__agent_id__in=list(user_ids),
        scorecard__period_kind=period.kind,
        scorecard__period_start=period.start,
    ).values_list(
        "scorecard__agent_id",
        "scorecard__total",
        "indicator__code",
        "indicator__name",
        "indicator__higher_is_better",
        "value",
    )
    for user_id, total, code, name, higher, value in rows:
        figures[user_id]["total"] = (total, True, _("weighted total"))
        figures[user_id][code] = (value, higher, indicator_label(code=code, name=name))
    return figures


def check_thresholds(*, thresholds: object) -> None:
    """Scorecard thresholds name indicator codes (or "total") and give numbers."""
    from performance.models import Indicator

    if not isinstance(thresholds, dict):
        raise ValidationError({"scorecard_thresholds": _("Give indicator codes and numbers.")})
    known = set(Indicator.objects.values_list("code", flat=True)) | {"total"}
    unknown = sorted(str(code) for code in thresholds if code not in known)
    if unknown:
        raise ValidationError(
            {
                "scorecard_thresholds": _("Unknown indicator codes: %(codes)s.")
                % {"codes": ", ".join(unknown)}
            }
        )
    for code, value in thresholds.items():
        if not _is_number(value):
            raise ValidationError(
                {"scorecard_thresholds": _("%(code)s needs a number.") % {"code": code}}
            )


def _is_number(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return False
    try:
        Decimal(str(value))
    except InvalidOperation:
        return False
    return True


def _thresholds(level: PromotionLevel, figures: dict[str, tuple]) -> list[dict]:
    """Each scorecard threshold of `level`, with the member's figure and whether it is met.

    A threshold names an indicator code (or "total") and a value in the indicator's unit,
    e.g. {"conversion": 8} for 8 %. An unknown code or a missing figure is not met.
    """
    checks = []
    for code, threshold in sorted((level.scorecard_thresholds or {}).items()):
        unnamed = _("weighted total") if code == "total" else builtin_label(code) or code
        value, higher, name = figures.get(code, (None, True, unnamed))
        try:
            limit = Decimal(str(threshold))
        except (InvalidOperation, ValueError):
            limit = None
        met = (
            value is not None
            and limit is not None
            and (value >= limit if higher else value <= limit)
        )
        checks.append({"code": code, "name": name, "threshold": limit, "value": value, "met": met})
    return checks


def promotion_progress(
    *,
    member: Member,
    levels: list[PromotionLevel] | None = None,
    passed_ids: set[int] | None = None,
    current: PromotionLevel | object | None = _UNKNOWN,
    figures: dict[str, tuple] | None = None,
) -> dict:
    """How far a member is from the next level: tenure, courses and scorecard thresholds.

    `levels` (ordered, with required courses prefetched), `passed_ids`, `current` and
    `figures` (from `scorecard_figures`) may be given by a page that computes progress for
    many members with a fixed number of queries.
    """
    if levels is None:
        levels = list(PromotionLevel.objects.prefetch_related("required_courses"))
    if current is _UNKNOWN:
        held = MemberLevel.objects.filter(member=member).select_related("level").first()
        current = held.level if held else None
    if passed_ids is None:
        passed_ids = set(
            Enrollment.objects.filter(member=member, status=EnrollmentStatus.PASSED).values_list(
                "course_id", flat=True
            )
        )
    rank = current.rank if current else -1
    following = next((level for level in levels if level.rank > rank), None)
    tenure = tenure_months(member=member)
    if following is None:
        return {
            "current": current,
            "next": None,
            "tenure_months": tenure,
            "months_missing": 0,
            "courses_done": [],
            "courses_missing": [],
            "thresholds": [],
            "eligible": False,
        }
    required = list(following.required_courses.all())
    done = [course for course in required if course.pk in passed_ids]
    missing = [course for course in required if course.pk not in passed_ids]
    months_missing = max(following.min_tenure_months - tenure, 0)
    thresholds = []
    if following.scorecard_thresholds:
        if figures is None:
            figures = scorecard_figures(user_ids=[member.user_id]).get(member.user_id, {})
        thresholds = _thresholds(following, figures)
    return {
        "current": current,
        "next": following,
        "tenure_months": tenure,
        "months_missing": months_missing,
        "courses_done": done,
        "courses_missing": missing,
        "thresholds": thresholds,
        "eligible": not missing and not months_missing and all(t["met"] for t in thresholds),
    }


@transaction.atomic
def promotion_propose(
    *, member: Member, to_level: PromotionLevel, by: User, reasons: str
) -> PromotionProposal:
    """A manager proposes one of their agents for the next level; the criteria must be met."""
    if not training_access.can_propose_promotion(by):
        raise ValidationError({"member": _("You may not propose promotions.")})
    if not access.visible_members(by).filter(pk=member.pk).exists() or member.pk == getattr(
        getattr(by, "member", None), "pk", None
    ):
        raise ValidationError({"member": _("This member is not in your team.")})
    if member.status == MemberStatus.LEFT:
        raise ValidationError({"member": _("This member has left.")})
    if not (reasons or "").strip():
        raise ValidationError({"reasons": _("Say why this member deserves the promotion.")})
    progress = promotion_progress(member=member)
    if progress["next"] is None or progress["next"].pk != to_level.pk:
        raise ValidationError({"to_level": _("A member is proposed for the next level only.")})
    if not progress["eligible"]:
        problems = []
        if progress["months_missing"]:
            problems.append(
                _("%(months)s more months of tenure") % {"months": progress["months_missing"]}
            )
        if progress["courses_missing"]:
            problems.append(
                _("courses not passed: %(courses)s")
                % {"courses": "、".join(c.title for c in progress["courses_missing"])}
            )
        unmet = [t for t in progress["thresholds"] if not t["met"]]
        if unmet:
            problems.append(
                _("scorecard below the threshold: %(figures)s")
                % {"figures": "、".join(f"{t['name']} ≥ {t['threshold']}" for t in unmet)}
            )
        raise ValidationError(
            {"to_level": _("The criteria are not met: %(what)s.") % {"what": "; ".join(problems)}}
        )
    if PromotionProposal.objects.filter(member=member, status=ProposalStatus.PROPOSED).exists():
        raise ValidationError({"member": _("A proposal for this member is already open.")})
    proposal = PromotionProposal.objects.create(
        member=member,
        from_level=progress["current"],
        to_level=to_level,
        proposed_by=by,
        reasons=reasons.strip(),
    )
    TrainingEvent.objects.create(
        member=member,
        kind=TrainingEvent.Kind.PROPOSED,
        by=by,
        data={"proposal": proposal.pk, "to_level": to_level.pk},
    )
    return proposal


def _lock_open_proposal(proposal: PromotionProposal, by: User) -> PromotionProposal:
    if not training_access.can_approve_promotion(by) or not (
        training_access.visible_promotion_proposals(by).filter(pk=proposal.pk).exists()
    ):
        raise ValidationError({"proposal": _("You may not decide this proposal.")})
    locked = PromotionProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status != ProposalStatus.PROPOSED:
        raise ValidationError({"status": _("This proposal has already been decided.")})
    return locked


@transaction.atomic
def promotion_approve(
    *, proposal: PromotionProposal, by: User, note: str = ""
) -> PromotionProposal:
    locked = _lock_open_proposal(proposal, by)
    locked.status = ProposalStatus.APPROVED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.decision_note = (note or "").strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    MemberLevel.objects.update_or_create(
        member_id=locked.member_id,
        defaults={"level": locked.to_level, "since": timezone.localdate(), "set_by": by},
    )
    TrainingEvent.objects.create(
        member_id=locked.member_id,
        kind=TrainingEvent.Kind.APPROVED,
        by=by,
        data={"proposal": locked.pk, "to_level": locked.to_level_id},
    )
    return locked


@transaction.atomic
def promotion_reject(*, proposal: PromotionProposal, by: User, note: str) -> PromotionProposal:
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the proposal is rejected.")})
    locked = _lock_open_proposal(proposal, by)
    locked.status = ProposalStatus.REJECTED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.decision_note = note.strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    TrainingEvent.objects.create(
        member_id=locked.member_id,
        kind=TrainingEvent.Kind.REJECTED,
        by=by,
        data={"proposal": locked.pk, "note": locked.decision_note},
    )
    return locked
