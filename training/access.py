"""Who sees which courses, enrollments, promotions, scripts and cases, and who may act.

Courses, call scripts, promotion levels and the case library are readable by all staff;
enrollments, the training history and promotion proposals follow the member they are
about (own / team / subtree / all).
"""

from __future__ import annotations

from django.db.models import QuerySet

from crm.access import restrict, scope_of, staff_or_none
from crm.models import Role

from .models import (
    CallScript,
    Case,
    Course,
    Enrollment,
    Material,
    PromotionLevel,
    PromotionProposal,
    Session,
)


def visible_courses(user) -> QuerySet[Course]:
    """Every staff member sees the active courses; administrators the retired ones too."""
    scope = scope_of(user)
    if scope.is_admin:
        return Course.objects.all()
    return staff_or_none(user, Course.objects.filter(active=True))


def visible_training_sessions(user) -> QuerySet[Session]:
    return Session.objects.filter(course__in=visible_courses(user))


def visible_materials(user) -> QuerySet[Material]:
    return Material.objects.filter(course__in=visible_courses(user))


def visible_enrollments(user) -> QuerySet[Enrollment]:
    return restrict(Enrollment.objects.all(), user, owner="member__user", owner_team="member__team")


def visible_promotion_levels(user) -> QuerySet[PromotionLevel]:
    return staff_or_none(user, PromotionLevel.objects.all())


def visible_promotion_proposals(user) -> QuerySet[PromotionProposal]:
    return restrict(
        PromotionProposal.objects.all(), user, owner="member__user", owner_team="member__team"
    )


def visible_call_scripts(user) -> QuerySet[CallScript]:
    return staff_or_none(user, CallScript.objects.all())


def visible_cases(user) -> QuerySet[Case]:
    return staff_or_none(user, Case.objects.all())


# --- what a user may do ---------------------------------------------------------------------


def can_configure_training(user) -> bool:
    """Courses, sessions, materials, promotion levels and call scripts: administrators."""
    return scope_of(user).is_admin


def can_manage_training(user) -> bool:
    """Enroll agents (a manager their own team's) and record results: managers and admins."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.ADMIN)


def can_see_team_training(user) -> bool:
    return scope_of(user).role in (
        Role.TEAM_MANAGER,
        Role.DEPARTMENT_HEAD,
        Role.ADMIN,
        Role.INSPECTOR,
    )


def can_propose_promotion(user) -> bool:
    """A manager proposes promotions for their team (admins may too)."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.ADMIN)


def can_approve_promotion(user) -> bool:
    """Heads approve promotions in their subtree; admins anywhere."""
    return scope_of(user).role in (Role.DEPARTMENT_HEAD, Role.ADMIN)


def can_feature_case(user) -> bool:
    """Managers feature a case for their team; heads and admins for teams they see."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)
