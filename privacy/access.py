"""Who handles requests from people: administrators only. Everyone else finds no request
(lists are empty, a request's page answers 404 like a missing one)."""

from __future__ import annotations

from django.db.models import QuerySet

from crm.access import scope_of

from .models import SubjectRequest


def can_handle_requests(user) -> bool:
    return scope_of(user).is_admin


def visible_requests(user) -> QuerySet[SubjectRequest]:
    if not can_handle_requests(user):
        return SubjectRequest.objects.none()
    return SubjectRequest.objects.all()
