"""Setting targets: a manager for their agents and team, a head for their subtree, admins all.

Who may set a target for whom is the scope of `crm.access`: the subject must be visible to
the user (`visible_members`, `visible_teams`, `visible_departments`) and the user must be
allowed to set targets at all (`can_set_targets`). Nobody sets their own target.
A value left empty in the team form removes the target.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import access
from crm.models import Department, Role
from performance import access as performance_access

from ..models import Indicator, Level, Target
from ..periods import Period

MAX_TARGET = Decimal("999999999999")


def _subject(by: User, level: str, subject_id: int):
    """The agent (a user), team or department `by` may set targets for, or an error."""
    if level == Level.AGENT:
        member = (
            access.visible_members(by)
            .filter(user_id=subject_id, role=Role.AGENT)
            .select_related("user")
            .first()
        )
        if member is None or member.user_id == by.pk:
            raise ValidationError({"agent": _("You may not set targets for this agent.")})
        return member.user
    if level == Level.TEAM:
        scope = access.scope_of(by)
        team = access.visible_teams(by).filter(pk=subject_id).first()
        if team is None or (not scope.is_admin and team.pk not in scope.team_ids):
            raise ValidationError({"team": _("You may not set targets for this team.")})
        return team
    if level == Level.DEPARTMENT:
        scope = access.scope_of(by)
        department = Department.objects.filter(pk=subject_id).first()
        if department is None or not (
            scope.is_admin or any(department.path.startswith(p) for p in scope.department_paths)
        ):
            raise ValidationError({"department": _("You may not set targets for this department.")})
        return department
    raise ValidationError({"level": _("Choose agent, team or department.")})


def _clean_value(value) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"value": _("Enter a number.")}) from None
    if not number.is_finite() or number < 0 or number > MAX_TARGET:
        raise ValidationError({"value": _("A target is a number from 0 up.")})
    return number.quantize(Decimal("0.0001"))


def set_target(
    *,
    by: User,
    indicator: Indicator,
    level: str,
    subject_id: int,
    period: Period,
    value: Decimal | str | None,
) -> Target | None:
    """Set (or with `value=None`, remove) one target. Returns the target, or None."""
    if not performance_access.can_set_targets(by):
        raise ValidationError(_("You may not set targets."))
    if not indicator.is_active:
        raise ValidationError({"indicator": _("This indicator is not in use.")})
    subject = _subject(by, level, subject_id)
    field = {Level.AGENT: "agent", Level.TEAM: "team", Level.DEPARTMENT: "department"}[level]
    lookup = {
        "level": level,
        field: subject,
        "indicator": indicator,
        "period_kind": period.kind,
        "period_start": period.start,
    }
    with transaction.atomic():
        if value is None or value == "":
            Target.objects.filter(**lookup).delete()
            return None
        number = _clean_value(value)
        target, _created = Target.objects.update_or_create(
            **lookup, defaults={"value": number, "set_by": by, "set_at": timezone.now()}
        )
    return target


def bulk_set_targets(*, by: User, level: str, period: Period, rows: Iterable[dict]) -> int:
    """Set a form's worth of targets at once: rows of (subject id, indicator, value|None).

    All or nothing: the first refusal rolls everything back. Returns how many were set.
    """
    count = 0
    with transaction.atomic():
        for subject_id, indicator, value in rows:
            if set_target(
                by=by,
                indicator=indicator,
                level=level,
                subject_id=subject_id,
                period=period,
                value=value,
            ):
                count += 1
    return count


def target_subjects(*, by: User, level: str) -> QuerySet:
    """Who `by` may set `level` targets for, for the targets page."""
    scope = access.scope_of(by)
    if level == Level.AGENT:
        users = get_user_model().objects.filter(
            member__in=access.visible_members(by).filter(role=Role.AGENT)
        )
        return users.exclude(pk=by.pk).order_by("member__team__name", "username")
    if level == Level.TEAM:
        teams = access.visible_teams(by)
        if not scope.is_admin:
            teams = teams.filter(pk__in=scope.team_ids)
        return teams.order_by("name")
    departments = Department.objects.all()
    if not scope.is_admin:
        departments = departments.none()
        for path in scope.department_paths:
            departments = departments | Department.objects.filter(path__startswith=path)
    return departments.order_by("path")
