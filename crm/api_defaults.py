"""The REST framework defaults named in settings: permissions, pagination, errors.

Kept apart from `crm.api` (the scoped base views) because DRF imports these while its own
views module is still loading.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from . import access


class IsActiveStaff(permissions.IsAuthenticated):
    """Signed in, active, with a member profile (or a superuser)."""

    def has_permission(self, request, view) -> bool:
        return (
            super().has_permission(request, view)
            and access.scope_of(request.user).user_id is not None
        )


class OrgAdminOrReadOnly(IsActiveStaff):
    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or access.can_manage_org(request.user)


class SchemaAccess(IsActiveStaff):
    """The API schema and its documentation page: signed-in staff, unless the deployment
    opens them (`API_SCHEMA_PUBLIC`, read per request)."""

    def has_permission(self, request, view) -> bool:
        from django.conf import settings

        return settings.API_SCHEMA_PUBLIC or super().has_permission(request, view)


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def api_validation_error(error: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as DRF's 400 that names the field."""
    if hasattr(error, "message_dict"):
        return ValidationError(error.message_dict)
    return ValidationError({"non_field_errors": error.messages})


def exception_handler(exc, context):
    """DRF's handler, plus Django ValidationErrors from services as 400s with fields."""
    if isinstance(exc, DjangoValidationError):
        exc = api_validation_error(exc)
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)
