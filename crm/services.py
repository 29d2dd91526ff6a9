"""Actions that change the organization. Views, the API, the admin and tasks call these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib import import_module
from typing import Any, NamedTuple

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from .access import forget_scope
from .models import (
    Department,
    HeadcountSnapshot,
    Member,
    MemberEvent,
    MemberStatus,
    Notification,
    Role,
    Skill,
    Team,
    TeamMembership,
)

User = get_user_model()

# --- access -------------------------------------------------------------------------------


@transaction.atomic
def user_revoke_access(*, user) -> int:
    """End every way `user` is signed in: their sessions and API tokens are deleted.

    Called when a member leaves and whenever an account is deactivated (the admin's
    checkbox goes through `risk.signals`). Sessions do not record their user in a column,
    so the live ones are decoded: a center has a few hundred at most. Returns how many
    sessions were ended.
    """
    from django.contrib.sessions.models import Session

    Token.objects.filter(user_id=user.pk).delete()
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    # Through the session store: a cached session (SESSION_ENGINE cached_db) goes from the
    # cache too, not only from the table.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session_key in ended:
        store(session_key=session_key).delete()
    return len(ended)


# --- departments --------------------------------------------------------------------------


@transaction.atomic
def department_save(*, department: Department, by=None) -> Department:
    """Create or update a department, keeping the materialized paths of its subtree true."""
    parent = department.parent
    if (
        department.pk
        and parent is not None
        and (parent.pk == department.pk or parent.path.startswith(department.path or "\0"))
    ):
        raise ValidationError(
            {"parent": _("A department cannot be moved under itself or its own subtree.")}
        )
    old_path = department.path
    department.full_clean(exclude=["path", "depth"])
    department.save()
    new_path = f"{parent.path if parent else '/'}{department.pk}/"
    department.depth = new_path.count("/") - 2
    if new_path != old_path:
        department.path = new_path
        department.save(update_fields=["path", "depth"])
        if old_path:
            descendants = list(
                Department.objects.select_for_update()
                .filter(path__startswith=old_path)
                .exclude(pk=department.pk)
            )
            for node in descendants:
                node.path = new_path + node.path[len(old_path) :]
                node.depth = node.path.count("/") - 2
            Department.objects.bulk_update(descendants, ["path", "depth"])
    if department.head_id:
        _ensure_role_at_least(department.head_id, Role.DEPARTMENT_HEAD)
    return department


def department_delete(*, department: Department) -> None:
    if department.children.exists() or department.teams.exists():
        raise ValidationError(
            _("Only an empty department (no sub-departments, no teams) can be deleted.")
        )
    department.delete()


# --- teams --------------------------------------------------------------------------------


#: Who may be named a team's manager: people whose role is to manage (an agent is given
#: the role first, on their profile, so a slip in a list never promotes anyone).
MANAGING_ROLES = (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD)


def team_manager_candidates():
    """Users who can manage a team: active team managers and department heads."""
    return (
        User.objects.filter(is_active=True, member__role__in=MANAGING_ROLES)
        .exclude(member__status=MemberStatus.LEFT)
        .order_by("member__employee_no")
    )


@transaction.atomic
def team_save(*, team: Team, by=None) -> Team:
    """Create or update a team. A new manager must be able to manage (see
    `team_manager_candidates`), else a refusal on `manager`; they join the team."""
    stored = Team.objects.filter(pk=team.pk).values_list("manager_id", flat=True).first()
    if (
        team.manager_id
        and team.manager_id != stored
        and not team_manager_candidates().filter(pk=team.manager_id).exists()
    ):
        raise ValidationError(
            {
                "manager": _(
                    "Only an active team manager or department head can manage a team. "
                    "Give the person that role on their profile first."
                )
            }
        )
    team.full_clean()
    team.save()
    if team.manager_id:
        manager = Member.objects.filter(user_id=team.manager_id).first()
        if manager and manager.team_id != team.pk and manager.status != MemberStatus.LEFT:
            member_move(member=manager, team=team, by=by, reason=_("Became the team's manager"))
    return team


def _ensure_role_at_least(user_id: int, role: str) -> None:
    """A user made a team's manager or a department's head gets at least that role."""
    order = [Role.AGENT, Role.INSPECTOR, Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN]
    member = Member.objects.filter(user_id=user_id).first()
    if member and order.index(member.role) < order.index(role):
        Member.objects.filter(pk=member.pk).update(role=role)


# --- members ------------------------------------------------------------------------------


@transaction.atomic
def member_create(
    *,
    username: str,
    full_name: str,
    employee_no: str,
    role: str = Role.AGENT,
    team: Team | None = None,
    status: str = MemberStatus.ONBOARDING,
    hire_date: dt.date | None = None,
    extension: str = "",
    email: str = "",
    daily_lead_capacity: int = 30,
    skills: list[Skill] | None = None,
    password: str | None = None,
    by=None,
) -> Member:
    """Hire someone: a user account, their profile and their first team membership."""
    _check_date_in_range("hire_date", hire_date)
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    if status == MemberStatus.LEFT:
        raise ValidationError({"status": _("A new member cannot start as left.")})
    user = User(username=username, first_name=full_name, email=email)
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    member = Member(
        user=user,
        role=role,
        team=team,
        employee_no=employee_no,
        extension=extension,
        hire_date=hire_date or timezone.localdate(),
        status=status,
        daily_lead_capacity=daily_lead_capacity,
    )
    member.full_clean(exclude=["user"])
    member.save()
    if skills:
        member.skills.set(skills)
    started = _start_of(member.hire_date)
    if team is not None:
        TeamMembership.objects.create(member=member, team=team, started_at=started, moved_by=by)
    MemberEvent.objects.create(
        member=member,
        kind=MemberEvent.Kind.JOINED,
        by=by,
        at=started,
        data={"team": team.pk if team else None, "role": role, "status": status},
    )
    return member


def _is_self(member: Member, by) -> bool:
    return by is not None and getattr(by, "pk", None) == member.user_id


@transaction.atomic
def member_move(
    *,
    member: Member,
    team: Team | None,
    by=None,
    reason: str = "",
    at: dt.datetime | None = None,
    confirm: bool = False,
) -> TeamMembership | None:
    """Move a member to another team (or out of every team), keeping the history.

    The member row is locked so two admins moving the same agent at once cannot leave two
    open memberships; the database's one-open-membership constraint backs this up.
    Moving yourself changes what you see and manage: refused on `confirm` unless
    `confirm` is given.
    """
    if _is_self(member, by) and not confirm:
        raise ValidationError(
            {
                "confirm": _(
                    "You are moving yourself: what you see and manage changes at once. "
                    "Tick the box to confirm."
                )
            }
        )
    locked = Member.objects.select_for_update().get(pk=member.pk)
    if locked.status == MemberStatus.LEFT:
        raise ValidationError({"member": _("A member who has left cannot be moved.")})
    if locked.team_id == (team.pk if team else None):
        raise ValidationError({"team": _("The member is already in this team.")})
    at = at or timezone.now()
    previous = locked.team_id
    open_membership = TeamMembership.objects.filter(member=locked, ended_at__isnull=True).first()
    if open_membership is not None:
        if at < open_membership.started_at:
            raise ValidationError(
                {"at": _("A move cannot take effect before the current membership began.")}
            )
        open_membership.ended_at = at
        open_membership.save(update_fields=["ended_at"])
    membership = None
    if team is not None:
        membership = TeamMembership.objects.create(
            member=locked, team=team, started_at=at, moved_by=by, reason=reason
        )
    locked.team = team
    locked.save(update_fields=["team", "updated_at"])
    member.team = team
    MemberEvent.objects.create(
        member=locked,
        kind=MemberEvent.Kind.MOVED,
        by=by,
        at=at,
        data={"from": previous, "to": team.pk if team else None, "reason": reason},
    )
    forget_scope(locked.user)
    return membership


@transaction.atomic
def member_set_status(
    *,
    member: Member,
    status: str,
    by=None,
    leave_date: dt.date | None = None,
    leave_reason: str = "",
    note: str = "",
) -> Member:
    """Change a member's status. Leaving ends their team membership and their access.

    A member who leaves loses access at once: the account is deactivated (sessions and
    tokens stop working) and API tokens are deleted.
    """
    locked = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
    if status not in MemberStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if locked.status == status:
        raise ValidationError({"status": _("The member already has this status.")})
    previous = locked.status
    if status == MemberStatus.LEFT:
        if leave_date is None:
            raise ValidationError({"leave_date": _("A leave date is required.")})
        if not leave_reason:
            raise ValidationError({"leave_reason": _("A leave reason is required.")})
        _check_date_in_range("leave_date", leave_date)
        if leave_date < locked.hire_date:
            raise ValidationError(
                {"leave_date": _("The leave date cannot be before the hire date.")}
            )
        ended = _start_of(leave_date + dt.timedelta(days=1))
        open_membership = TeamMembership.objects.filter(
            member=locked, ended_at__isnull=True
        ).first()
        if open_membership is not None:
            open_membership.ended_at = max(ended, open_membership.started_at)
            open_membership.save(update_fields=["ended_at"])
        locked.leave_date, locked.leave_reason, locked.leave_note = leave_date, leave_reason, note
        locked.user.is_active = False
        locked.user.save(update_fields=["is_active"])
        user_revoke_access(user=locked.user)
    else:
        if previous == MemberStatus.LEFT:
            # Rehired: a new membership starts today in the team they had.
            if locked.team_id:
                TeamMembership.objects.create(
                    member=locked, team_id=locked.team_id, started_at=timezone.now(), moved_by=by
                )
            locked.user.is_active = True
            locked.user.save(update_fields=["is_active"])
        locked.leave_date, locked.leave_reason, locked.leave_note = None, "", ""
    locked.status = status
    locked.full_clean(exclude=["user", "skills"])
    locked.save(update_fields=["status", "leave_date", "leave_reason", "leave_note", "updated_at"])
    MemberEvent.objects.create(
        member=locked,
        kind=MemberEvent.Kind.STATUS,
        by=by,
        data={
            "from": previous,
            "to": status,
            "leave_date": leave_date.isoformat() if leave_date else None,
            "leave_reason": leave_reason,
            "note": note,
        },
    )
    forget_scope(locked.user)
    if status in (MemberStatus.ON_LEAVE, MemberStatus.LEFT) and locked.role in (
        Role.AGENT,
        Role.TEAM_MANAGER,
    ):
        # Their open leads are handed over by the leads app's job (named, not imported:
        # crm does not depend on leads), once this change is committed.
        member_id = locked.pk
        transaction.on_commit(
            lambda: current_app.send_task("leads.tasks.handover_for_member", args=[member_id])
        )
    return locked


# --- what a member's leave hands over ------------------------------------------------------


class HandoverItem(NamedTuple):
    """One kind of work a member on leave or gone hands over, for the preview shown before
    their status changes: what (`label`), how many, and who receives how many (`to`:
    (who, how many) pairs; empty when nothing moves on its own, `note` says what then)."""

    label: str
    count: int
    to: list[tuple[str, int]]
    note: str = ""


#: The apps that hand work over (the org does not know them: they register here).
_handover_sources: list[Callable[[Member, str], list[HandoverItem]]] = []

#: A status change that hands work over, and the roles whose work is handed over.
HANDOVER_STATUSES = (MemberStatus.ON_LEAVE, MemberStatus.LEFT)
HANDOVER_ROLES = (Role.AGENT, Role.TEAM_MANAGER)


def handover_source(source: Callable[[Member, str], list[HandoverItem]]):
    """Register `source(member, status)`: the items that app would hand over (a decorator)."""
    if source not in _handover_sources:
        _handover_sources.append(source)
    return source


def hands_over(member: Member, status: str) -> bool:
    """Does moving `member` to `status` hand their work over (see `member_set_status`)?"""
    return status in HANDOVER_STATUSES and status != member.status and member.role in HANDOVER_ROLES


def handover_preview(*, member: Member, status: str) -> list[HandoverItem]:
    """What each app would hand over, and to whom, if `member` went to `status` now."""
    if not hands_over(member, status):
        return []
    return [item for source in _handover_sources for item in source(member, status)]


PROFILE_FIELDS = ("role", "employee_no", "extension", "hire_date", "daily_lead_capacity")


@transaction.atomic
def member_update(
    *,
    member: Member,
    by=None,
    full_name: str | None = None,
    email: str | None = None,
    skills: list[Skill] | None = None,
    confirm: bool = False,
    **fields: Any,
) -> Member:
    """Edit a member's profile. Team and status have their own actions (history).

    Changing your own role changes your access at once (an administrator who makes
    themselves an agent cannot undo it): refused on `confirm` unless `confirm` is given.
    """
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    changes: dict[str, list] = {}
    for name, value in fields.items():
        old = getattr(member, name)
        if old != value:
            changes[name] = [str(old), str(value)]
            setattr(member, name, value)
    if "role" in changes and _is_self(member, by) and not confirm:
        raise ValidationError(
            {
                "confirm": _(
                    "You are changing your own role from %(old)s to %(new)s: your access "
                    "changes at once and you may not be able to change it back. Tick the "
                    "box to confirm."
                )
                % {
                    "old": Role(changes["role"][0]).label,
                    "new": Role(changes["role"][1]).label,
                }
            }
        )
    user_fields = []
    if full_name is not None and full_name != member.user.first_name:
        changes["full_name"] = [member.user.first_name, full_name]
        member.user.first_name, member.user.last_name = full_name, ""
        user_fields += ["first_name", "last_name"]
    if email is not None and email != member.user.email:
        changes["email"] = [member.user.email, email]
        member.user.email = email
        user_fields.append("email")
    if "role" in changes:
        member.user.is_staff = member.user.is_superuser = member.role == Role.ADMIN
        user_fields += ["is_staff", "is_superuser"]
    member.full_clean(exclude=["user", "skills"])
    member.save()
    if user_fields:
        member.user.save(update_fields=user_fields)
    if skills is not None:
        old_skills = sorted(str(s) for s in member.skills.all())
        new_skills = sorted(str(s) for s in skills)
        if old_skills != new_skills:
            changes["skills"] = [old_skills, new_skills]
            member.skills.set(skills)
    if changes:
        MemberEvent.objects.create(
            member=member, kind=MemberEvent.Kind.PROFILE, by=by, data={"changes": changes}
        )
    forget_scope(member.user)
    return member


# --- headcount ----------------------------------------------------------------------------


@transaction.atomic
def headcount_snapshot_take(*, day: dt.date | None = None) -> int:
    """Record each team's headcount at the end of `day` (default: today). Idempotent.

    Counts come from the membership history, so a past day can be (re)computed too.
    """
    day = day or timezone.localdate()
    end = _start_of(day + dt.timedelta(days=1))
    open_at_end = Q(memberships__started_at__lt=end) & (
        Q(memberships__ended_at__isnull=True) | Q(memberships__ended_at__gte=end)
    )
    rows = Team.objects.annotate(
        headcount=Count(
            "memberships", filter=open_at_end & ~Q(memberships__member__status=MemberStatus.LEFT)
        ),
        n_active=Count(
            "memberships", filter=open_at_end & Q(memberships__member__status=MemberStatus.ACTIVE)
        ),
        n_onboarding=Count(
            "memberships",
            filter=open_at_end & Q(memberships__member__status=MemberStatus.ONBOARDING),
        ),
        n_on_leave=Count(
            "memberships", filter=open_at_end & Q(memberships__member__status=MemberStatus.ON_LEAVE)
        ),
    ).values_list("pk", "headcount", "n_active", "n_onboarding", "n_on_leave")
    snapshots = [
        HeadcountSnapshot(team_id=pk, day=day, headcount=h, active=a, onboarding=o, on_leave=lv)
        for pk, h, a, o, lv in rows
    ]
    HeadcountSnapshot.objects.bulk_create(
        snapshots,
        update_conflicts=True,
        unique_fields=["team", "day"],
        update_fields=["headcount", "active", "onboarding", "on_leave"],
    )
    return len(snapshots)


# Hire and leave dates become moments (the start of the day, of the day after): far from
# the calendar's ends, so those moments exist in every time zone and in UTC.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)


def _check_date_in_range(field: str, day: dt.date | None) -> None:
    if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            {
                field: _("Enter a date between %(earliest)s and %(latest)s.")
                % {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()}
            }
        )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- notifications ------------------------------------------------------------------------


def notify(*, user_id: int, key: str, text: str, kind: str, url: str = "") -> bool:
    """Put a message in a user's header once; True if it is new. Safe to call twice."""
    _notification, created = Notification.objects.get_or_create(
        user_id=user_id, key=key[:150], defaults={"text": text[:300], "kind": kind, "url": url}
    )
    return created


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
