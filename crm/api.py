"""The base of every API view: rows come from `crm.access`, errors are JSON with the field.

Subclass `ScopedViewSet` (or `ScopedReadOnlyViewSet`) and set `visibility` to one of the
`crm.access.visible_*` selectors. `get_queryset()` is not meant to be overridden; refine the
rows with `refine_queryset()`. A test walks the URL conf and fails for any API view over
model rows that does not go through this class.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from rest_framework import mixins, viewsets

from .api_defaults import api_validation_error


def user_name(user) -> str | None:
    """A user as colleagues know them (full name, else username) in API answers."""
    if user is None:
        return None
    return user.get_full_name().strip() or user.get_username()


class ScopedQuerysetMixin:
    visibility: Callable[..., QuerySet] | None = None
    # Rows have integer ids: with a router on path converters the id is `<int:pk>`.
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet:
        if self.visibility is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must set `visibility`.")
        # Read through the class so a plain function is not bound as a method.
        visible = type(self).visibility
        return self.refine_queryset(visible(self.request.user))

    def refine_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset


class ScopedViewSet(ScopedQuerysetMixin, viewsets.ModelViewSet):
    pass


class ScopedReadOnlyViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedCreateReadViewSet(
    ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    pass


def raise_as_api_error(error: DjangoValidationError):
    """Turn a service's ValidationError into a 400 that names the field."""
    raise api_validation_error(error) from error
