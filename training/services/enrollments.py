"""Enrolling staff in courses (one member or a team's agents) and recording results.

Passing the last required onboarding course activates the agent (`onboarding_gate`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import access
from crm.models import Member, MemberStatus, Role, Team
from training import access as training_access

from ..models import ENROLLMENT_MOVES, Course, Enrollment, EnrollmentStatus, Session, TrainingEvent
from .onboarding_gate import member_activate, onboarding_missing


def _check_enroller(*, member: Member, by: User) -> None:
    if not training_access.can_manage_training(by):
        raise ValidationError({"member": _("You may not enroll staff in courses.")})
    if not access.visible_members(by).filter(pk=member.pk).exists():
        raise ValidationError({"member": _("This member is not in your team.")})
    if member.status == MemberStatus.LEFT:
        raise ValidationError({"member": _("This member has left.")})


@transaction.atomic
def enroll(
    *, member: Member, course: Course, by: User, session: Session | None = None
) -> tuple[Enrollment, bool]:
    """Enroll one member; enrolling them again in the same course and session changes
    nothing. Returns (enrollment, created)."""
    _check_enroller(member=member, by=by)
    if not course.active:
        raise ValidationError({"course": _("This course is no longer offered.")})
    if session is not None and session.course_id != course.pk:
        raise ValidationError({"session": _("This session belongs to another course.")})
    existing = Enrollment.objects.filter(member=member, course=course, session=session).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                member=member, course=course, session=session, enrolled_by=by
            )
    except IntegrityError:  # enrolled at the same moment by someone else
        return Enrollment.objects.get(member=member, course=course, session=session), False
    TrainingEvent.objects.create(
        member=member,
        kind=TrainingEvent.Kind.ENROLLED,
        enrollment=enrollment,
        by=by,
        data={"course": course.pk, "session": session.pk if session else None},
    )
    return enrollment, True


@transaction.atomic
def enroll_many(
    *,
    course: Course,
    by: User,
    members: Iterable[Member] = (),
    team: Team | None = None,
    session: Session | None = None,
) -> int:
    """Enroll members and/or every current agent of a team; returns how many are new."""
    chosen = {member.pk: member for member in members}
    if team is not None:
        if not team_is_yours(team=team, by=by):
            raise ValidationError({"team": _("This team is not yours.")})
        for member in Member.objects.filter(team=team, role=Role.AGENT).exclude(
            status=MemberStatus.LEFT
        ):
            chosen.setdefault(member.pk, member)
    if not chosen:
        raise ValidationError({"members": _("Choose at least one member or a team.")})
    created = 0
    for member in chosen.values():
        _enrollment, new = enroll(member=member, course=course, session=session, by=by)
        created += new
    return created


@transaction.atomic
def record_result(
    *,
    enrollment: Enrollment,
    by: User,
    attended: bool = True,
    score: int | None = None,
    passed: bool | None = None,
    completed_on: dt.date | None = None,
) -> Enrollment:
    """Record attendance and, where there is one, the exam score.

    A course with an exam is passed when the score reaches its pass mark; one without is
    passed by attending (or as `passed` says). Absent: no score. Passing the last required
    onboarding course activates the agent.
    """
    if not training_access.can_manage_training(by) or not (
        training_access.visible_enrollments(by).filter(pk=enrollment.pk).exists()
    ):
        raise ValidationError({"enrollment": _("You may not record results for this member.")})
    locked = Enrollment.objects.select_for_update().select_related("course").get(pk=enrollment.pk)
    course = locked.course
    if score is not None and not 0 <= score <= 100:
        raise ValidationError({"score": _("A score is between 0 and 100.")})
    if not attended:
        if score is not None:
            raise ValidationError({"score": _("An absent member has no score.")})
        status = EnrollmentStatus.ABSENT
    elif course.has_exam:
        if score is None:
            status = EnrollmentStatus.ATTENDED
        else:
            status = (
                EnrollmentStatus.PASSED if score >= course.pass_mark else EnrollmentStatus.FAILED
            )
    else:
        status = EnrollmentStatus.FAILED if passed is False else EnrollmentStatus.PASSED
    if status not in ENROLLMENT_MOVES[locked.status]:
        raise ValidationError(
            {
                "status": _("An enrollment that is %(from)s cannot become %(to)s.")
                % {
                    "from": locked.get_status_display(),
                    "to": EnrollmentStatus(status).label,
                }
            }
        )
    previous = locked.status
    locked.status = status
    locked.score = score if course.has_exam else None
    if status == EnrollmentStatus.PASSED:
        locked.completed_on = completed_on or timezone.localdate()
        if course.certificate_valid_months:
            locked.certificate_expires_on = _add_months(
                locked.completed_on, course.certificate_valid_months
            )
    locked.save(update_fields=["status", "score", "completed_on", "certificate_expires_on"])
    TrainingEvent.objects.create(
        member_id=locked.member_id,
        kind=TrainingEvent.Kind.RESULT,
        enrollment=locked,
        by=by,
        data={"from": previous, "to": status, "score": locked.score},
    )
    if status == EnrollmentStatus.PASSED and course.required_for_onboarding:
        member = Member.objects.get(pk=locked.member_id)
        if member.status == MemberStatus.ONBOARDING and not onboarding_missing(member=member):
            member_activate(member=member, by=by, reason="", missing=[])
    return locked


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def team_is_yours(*, team: Team, by: User) -> bool:
    """A manager's own team; for heads and admins any team they see."""
    if access.scope_of(by).role == Role.TEAM_MANAGER:
        return team.manager_id == by.pk
    return access.visible_teams(by).filter(pk=team.pk).exists()
