"""The onboarding gate: an agent stays "onboarding" (and so takes no leads: see
`crm.models.Member.takes_leads`) until every active course marked "required for
onboarding" is passed. Recording the last pass activates them through
`crm.services.member_set_status` (which writes the member event) and a `TrainingEvent`
of kind "activated" naming who recorded the pass.

Activating by hand (`onboarding_activate`) is refused while a required course is not
passed, except for an administrator who gives a reason: the override and its reason are
recorded in the training history and in the member's status event. (The org pages' status
form is for administrators only; its note is recorded in the member's history too.)
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from crm import access
from crm.models import Member, MemberStatus
from crm.services import member_set_status
from training import access as training_access

from ..models import Course, CourseKind, Enrollment, EnrollmentStatus, TrainingEvent


def required_onboarding_courses() -> QuerySet[Course]:
    return Course.objects.filter(
        active=True, kind=CourseKind.ONBOARDING, required_for_onboarding=True
    ).order_by("title")


def onboarding_missing(*, member: Member) -> list[Course]:
    """The required onboarding courses the member has not passed yet."""
    passed = Enrollment.objects.filter(member=member, status=EnrollmentStatus.PASSED).values(
        "course"
    )
    return list(required_onboarding_courses().exclude(pk__in=passed))


def member_activate(*, member: Member, by: User, reason: str, missing: list[Course]) -> Member:
    """`missing`: the required courses not passed, as the caller just computed them."""
    note = reason or _("Required onboarding courses passed.")
    member = member_set_status(member=member, status=MemberStatus.ACTIVE, by=by, note=note)
    TrainingEvent.objects.create(
        member=member,
        kind=TrainingEvent.Kind.ACTIVATED,
        by=by,
        data={
            "override": bool(missing),
            "reason": reason,
            "missing": [course.title for course in missing],
        },
    )
    return member


@transaction.atomic
def onboarding_activate(*, member: Member, by: User, reason: str = "") -> Member:
    """Make an onboarding member active by hand. Refused while a required course is not
    passed, unless an administrator overrides it with a reason (recorded)."""
    if not access.visible_members(by).filter(pk=member.pk).exists():
        raise ValidationError({"member": _("This member is not in your team.")})
    if not training_access.can_manage_training(by):
        raise ValidationError({"member": _("You may not activate staff.")})
    member = Member.objects.get(pk=member.pk)
    if member.status != MemberStatus.ONBOARDING:
        raise ValidationError({"member": _("This member is not onboarding.")})
    missing = onboarding_missing(member=member)
    reason = (reason or "").strip()
    if missing:
        if not access.scope_of(by).is_admin:
            raise ValidationError(
                {
                    "member": _("Required onboarding courses are not passed yet: %(courses)s.")
                    % {"courses": "、".join(course.title for course in missing)}
                }
            )
        if not reason:
            raise ValidationError(
                {"reason": _("Give a reason to activate someone who has not passed onboarding.")}
            )
    return member_activate(member=member, by=by, reason=reason, missing=missing)
