"""The REST framework defaults named in settings: permissions and errors (pagination is
in `crm.pagination`).

Kept apart from `crm.api` (the scoped base views) because DRF imports these while its own
views module is still loading.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

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


class AdminWritesOrReadOnly(IsActiveStaff):
    """The center's settings: staff read them (rows as the view's `visibility` gives),
    only administrators change them (anyone else: 403)."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or access.scope_of(request.user).is_admin


class AdminOnly(AdminWritesOrReadOnly):
    """Settings only administrators read and change (keys, policies, rules): 403 for anyone
    else, reading included."""

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and access.scope_of(request.user).is_admin


class SchemaAccess(IsActiveStaff):
    """The API schema and its documentation page: signed-in staff, unless the deployment
    opens them (`API_SCHEMA_PUBLIC`, read per request)."""

    def has_permission(self, request, view) -> bool:
        from django.conf import settings

        return settings.API_SCHEMA_PUBLIC or super().has_permission(request, view)


def api_validation_error(error: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as DRF's 400 that names the field.

    Errors on fields keep their field names; errors on none (a plain message, or Django's
    `__all__`) are `non_field_errors`, as DRF's own validation answers them.
    """
    key = api_settings.NON_FIELD_ERRORS_KEY
    if hasattr(error, "error_dict"):
        return ValidationError(
            {
                key if name == NON_FIELD_ERRORS else name: messages
                for name, messages in error.message_dict.items()
            }
        )
    return ValidationError({key: error.messages})


def exception_handler(exc, context):
    """DRF's handler, plus Django ValidationErrors from services as 400s with fields.

    Views call services and let their ValidationErrors through: this is the one place
    they become answers. A service rolls its own transaction back before the error
    leaves it; DRF's handler also marks a request-wide transaction (ATOMIC_REQUESTS) for
    rollback when there is one.
    """
    if isinstance(exc, DjangoValidationError):
        exc = api_validation_error(exc)
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)
