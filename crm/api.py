"""The base of every API view: rows come from `crm.access`, errors are JSON with the field.

Subclass `ScopedViewSet` (or `ScopedReadOnlyViewSet`, `ScopedCreateReadViewSet`, or
`ScopedQuerysetMixin` with DRF's mixins) and set `visibility` to one of the
`crm.access.visible_*` selectors. `get_queryset()` may not be overridden: a class that does
(or that sets a `queryset`) is refused when it is defined; refine the rows with
`refine_queryset()`. A test walks the URL conf and fails for any API view over model rows
that does not go through this class.

A body field naming another row ("the lead", "the team", "the agent") is a
`ScopedRelatedField`: the row must be one the caller may see, else the answer is a 400
naming the field, the same for a missing row and for one outside the caller's scope.

Views let a service's Django `ValidationError` through; `crm.api_defaults.exception_handler`
answers it as a 400 naming the field.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from operator import attrgetter

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.relations import MANY_RELATION_KWARGS, PKOnlyObject

from . import access, db_router
from .api_defaults import api_validation_error
from .filters import MAX_ID

# An id as text (MAX_ID, the largest a bigint holds, bounds its value): anything else is
# no row, not a database error.
_ID_TEXT = re.compile(r"\s*-?[0-9]{1,30}\s*")


def user_name(user) -> str | None:
    """A user as colleagues know them (full name, else username) in API answers."""
    if user is None:
        return None
    return user.get_full_name().strip() or user.get_username()


def visible_staff_users(user) -> QuerySet:
    """The users behind the members `user` may see: for fields that take a user id (the
    agent of a review, the assignee of a ticket)."""
    return get_user_model().objects.filter(member__in=access.visible_members(user))


# --- the scoped base classes ------------------------------------------------------------------


class ScopedQuerysetMixin:
    visibility: Callable[..., QuerySet] | None = None
    # Rows have integer ids: with a router on path converters the id is `<int:pk>`.
    lookup_value_converter = "int"

    def __init_subclass__(cls, **kwargs):
        """Refuse, when the class is defined, a view that would read rows another way."""
        super().__init_subclass__(**kwargs)
        name = f"{cls.__module__}.{cls.__qualname__}"
        if cls.get_queryset is not ScopedQuerysetMixin.get_queryset:
            raise ImproperlyConfigured(
                f"{name} overrides get_queryset(): its rows must come from `visibility`; "
                "narrow them in refine_queryset() instead."
            )
        if getattr(cls, "queryset", None) is not None:
            raise ImproperlyConfigured(
                f"{name} sets `queryset`: set `visibility` to a crm.access selector instead."
            )

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


class ScopedSingletonViewSet(
    ScopedQuerysetMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """One settings row (the lead policy, the risk policy) at one address, without an id:
    GET reads it, PUT and PATCH change it. `visibility` gives the row (or none: 404).

        urlpatterns = [LeadPolicyViewSet.path("leads/policy/", name="lead-policy")]
    """

    pagination_class = None
    filter_backends: list = []

    def get_object(self):
        row = get_object_or_404(self.get_queryset())
        self.check_object_permissions(self.request, row)
        return row

    @classmethod
    def path(cls, route: str, *, name: str):
        from django.urls import path

        actions = {"get": "retrieve", "put": "update", "patch": "partial_update"}
        return path(route, cls.as_view(actions), name=name)


# --- settings rows checked by their models' own rules -------------------------------------------


class CleanModelSerializer(serializers.ModelSerializer):
    """A model serializer that also runs the model's own checks (`full_clean()`: `clean()`,
    field validators, check constraints) on the row as it would be saved, so a bad setting
    is a 400 naming the field rather than a database error. Fields the serializer does not
    take are left out of the checks (they are set by the server)."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        row = model()
        if self.instance is not None:
            for field in model._meta.concrete_fields:
                setattr(row, field.attname, getattr(self.instance, field.attname))
        for name, value in attrs.items():
            setattr(row, name, value)
        taken = set(attrs) | {field.source for field in self.fields.values() if not field.read_only}
        excluded = [field.name for field in model._meta.fields if field.name not in taken]
        try:
            # Uniqueness is the serializer's (its validators answer it naming the field).
            row.full_clean(exclude=excluded, validate_unique=False)
        except DjangoValidationError as error:
            raise api_validation_error(error) from error
        return attrs


# --- related rows in the caller's scope ---------------------------------------------------------


class ScopedManyRelatedField(serializers.ManyRelatedField):
    """A list of ids of rows the caller may see, looked up in one query (`max_length`
    items at most). Made by `ScopedRelatedField(..., many=True)`."""

    default_error_messages = {
        "max_length": serializers.ListField.default_error_messages["max_length"]
    }

    def __init__(self, *args, max_length: int | None = None, **kwargs):
        self.max_length = max_length
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str | dict) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        data = list(data)
        if not self.allow_empty and not data:
            self.fail("empty")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        child = self.child_relation
        ids = list(dict.fromkeys(child.to_id(item) for item in data))
        rows = child.get_queryset().in_bulk(ids)
        for pk in ids:
            if pk not in rows:
                child.fail("does_not_exist", pk_value=pk)
        return [rows[pk] for pk in ids]


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """The id of a row the caller may see: `visibility(request.user)` is the queryset.

    A missing row, one outside the caller's scope, and an id no row can have (0, negative,
    beyond a bigint) all answer 400 `Invalid pk "…" - object does not exist.` on the
    field; anything but a whole number answers 400 `Incorrect type`. The serializer needs
    the request in its context (`get_serializer()` or `context={"request": request}`).

        lead = ScopedRelatedField(visibility=leads_access.visible_leads)
        courses = ScopedRelatedField(visibility=training_access.visible_courses, many=True)
    """

    def __init__(self, *, visibility: Callable[..., QuerySet], **kwargs):
        self.visibility = visibility
        super().__init__(**kwargs)

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"max_length": kwargs.pop("max_length", None)}
        for key in MANY_RELATION_KWARGS:
            if key in kwargs:
                list_kwargs[key] = kwargs[key]
        list_kwargs["child_relation"] = cls(*args, **kwargs)
        return ScopedManyRelatedField(**list_kwargs)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        if request is None:
            raise ImproperlyConfigured(
                f"{type(self.root).__name__}.{self.field_name} needs the request in the "
                "serializer's context."
            )
        return self.visibility(request.user)

    def to_id(self, data) -> int:
        """The id `data` names (a 400 when it names none)."""
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str) and not _ID_TEXT.fullmatch(data):
            self.fail("incorrect_type", data_type=type(data).__name__)
        pk = int(data)
        if not 1 <= pk <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return pk

    def to_internal_value(self, data):
        pk = self.to_id(data)
        try:
            return self.get_queryset().get(pk=pk)
        except ObjectDoesNotExist:
            self.fail("does_not_exist", pk_value=data)


class ScopedManyRelatedFieldSchema(OpenApiSerializerFieldExtension):
    """A list of ids in the schema, with its `maxItems`."""

    target_class = ScopedManyRelatedField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if self.target.max_length is not None:
            schema["maxItems"] = self.target.max_length
        return schema


class ReplicaReadsMixin:
    """For API views that only read figures (dashboards, reports): after authentication and
    permissions (the token and the user come from the primary), a GET's reads go to the
    read replica when one is configured and fresh enough (`crm.db_router`)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            self._replica_token = db_router.enter_replica_reads()

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_replica_token", None)
        if token is not None:
            self._replica_token = None
            db_router.leave_replica_reads(token)
        return super().finalize_response(request, response, *args, **kwargs)


# --- fast rows ----------------------------------------------------------------------------


class FastRowsMixin:
    """A model serializer whose rows are written by a plan made once per serializer.

    DRF's `to_representation` walks every field of every row through `get_attribute()`,
    its exception handling and a None check: about 5 µs a field, 4 ms for a 50-row list of
    15 fields, most of an API list's time over its SQL. The plan reads a concrete model
    column with `attrgetter` (a foreign key as its `<name>_id`, what PrimaryKeyRelatedField
    answers) and converts it as the field would: str for text, the value for numbers and
    booleans, the field's own `to_representation()` otherwise (dates, decimals, choices).
    Every other field (properties, dotted sources, method fields, nested serializers) goes
    the DRF way, so the answer is the same to the byte (`tests/crm/test_api_fast_rows.py`).
    A plain `Serializer` of dataclass rows names the class as `Meta.row_type`.
    """

    def to_representation(self, instance):
        plan = self.__dict__.get("_row_plan")
        if plan is None:
            plan = self._row_plan = _row_plan(self)
        row = {}
        for name, read, convert, field in plan:
            if read is None:  # the DRF way
                try:
                    value = field.get_attribute(instance)
                except serializers.SkipField:
                    continue
                check = value.pk if isinstance(value, PKOnlyObject) else value
                row[name] = None if check is None else field.to_representation(value)
                continue
            value = read(instance)
            row[name] = None if value is None else (value if convert is None else convert(value))
        return row


_AS_IS = (serializers.IntegerField, serializers.BooleanField, serializers.FloatField)


def _row_plan(serializer) -> list[tuple]:
    meta = serializer.Meta
    row_type = getattr(meta, "row_type", None)
    if row_type is not None:  # plain rows (a dataclass): its fields are the columns
        columns = {column.name for column in dataclasses.fields(row_type)}

        def read_of(field):
            if len(field.source_attrs) != 1 or field.source not in columns:
                return None, None
            return attrgetter(field.source), _convert_of(field)
    else:

        def read_of(field):
            return _fast_read(meta.model, field)

    return [(field.field_name, *read_of(field), field) for field in serializer._readable_fields]


def _convert_of(field):
    kind = type(field)
    if kind is serializers.CharField:
        return str
    if kind in _AS_IS:
        return None
    return field.to_representation


def _fast_read(model, field) -> tuple:
    """(read, convert) for a plain column, else (None, None): the field's own way."""
    if len(field.source_attrs) != 1 or field.source == "*":
        return None, None
    try:
        column = model._meta.get_field(field.source)
    except FieldDoesNotExist:  # a property or a method: not a column
        return None, None
    if not getattr(column, "concrete", False) or column.many_to_many:
        return None, None
    if column.is_relation:
        if type(field) is serializers.PrimaryKeyRelatedField and field.pk_field is None:
            return attrgetter(column.attname), None
        return None, None
    return attrgetter(column.attname), _convert_of(field)
