"""Who may open which settings: administrators all of them; a department head the settings
of the teams they head (how each team hands out its leads and when it reclaims them)."""

from __future__ import annotations

from django.db.models import QuerySet

from crm.access import scope_of, visible_teams
from crm.models import Role, Team


def is_settings_admin(user) -> bool:
    return scope_of(user).is_admin


def may_open_settings(user) -> bool:
    scope = scope_of(user)
    return scope.is_admin or scope.role == Role.DEPARTMENT_HEAD


def may_set_team_leads(user) -> bool:
    return may_open_settings(user)


def teams_to_set(user) -> QuerySet[Team]:
    """The teams whose lead settings `user` may change: all for admins, a head's subtree."""
    if not may_set_team_leads(user):
        return Team.objects.none()
    return visible_teams(user).filter(is_active=True).order_by("name")
