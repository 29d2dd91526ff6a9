"""Capture API: imports (`leads/imports`), the do-not-call list (`leads/do-not-call`) and
the inbound endpoint (`leads/inbound/`) web forms and ad platforms post leads to.

Who may do what: managers, heads and admins import leads, and so do agents who take leads
(the new leads of an agent's import are assigned to that agent; see
`leads.services.importing.may_import`); admins import and edit the do-not-call list (403
for anyone else), heads and inspectors read it, and any staff member may ask whether one
number is on it. Everyone sees the imports `leads.access.visible_imports` gives them: an
agent only their own. The inbound endpoint takes only an inbound API key (X-Api-Key),
never a user's session or token.
"""

from __future__ import annotations

import json

from django.urls import path
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from crm.api import ScopedQuerysetMixin
from crm.api_defaults import IsActiveStaff
from crm.phones import InvalidPhone
from leads import access as leads_access
from risk import access as risk_access
from risk.models import DoNotCall
from risk.services import do_not_call_add, do_not_call_remove, is_do_not_call

from ..inbound_auth import HasInboundKey, InboundKeyAuthentication, InboundKeyThrottle
from ..models import Campaign, Channel, ImportJob, ImportRow, Intent
from ..selectors import capture as selectors
from ..services import capture, importing
from .basis import DataBasisFields, stated_basis_pop

INLINE_ROWS = 100

# --- serializers --------------------------------------------------------------------------


class ImportRowSerializer(serializers.ModelSerializer):
    lead = serializers.IntegerField(source="lead_id", read_only=True, allow_null=True)

    class Meta:
        model = ImportRow
        fields = ["row_number", "outcome", "field", "reason", "lead"]
        read_only_fields = fields


class ImportJobSerializer(serializers.ModelSerializer):
    created = serializers.IntegerField(source="created_count", read_only=True)
    duplicates = serializers.IntegerField(source="duplicate_count", read_only=True)
    rejected = serializers.IntegerField(source="rejected_count", read_only=True)
    progress = serializers.IntegerField(source="progress_percent", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    campaign = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    basis = serializers.CharField(
        read_only=True, help_text="The lawful basis its rows record (empty: none)."
    )
    notice_version = serializers.CharField(
        source="notice.version", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "original_name",
            "kind",
            "channel",
            "campaign",
            "basis",
            "notice_version",
            "status",
            "progress",
            "total_rows",
            "processed_rows",
            "created",
            "duplicates",
            "rejected",
            "error",
            "sha256",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportJobDetailSerializer(ImportJobSerializer):
    rows = serializers.SerializerMethodField(
        help_text=f"The first {INLINE_ROWS} duplicate and rejected rows, in file order; all "
        "of them at `rows/` (paginated)."
    )

    class Meta(ImportJobSerializer.Meta):
        fields = [*ImportJobSerializer.Meta.fields, "rows"]
        read_only_fields = fields

    @extend_schema_field(ImportRowSerializer(many=True))
    def get_rows(self, job) -> list:
        return ImportRowSerializer(selectors.import_rows(job)[:INLINE_ROWS], many=True).data


class ImportCreateSerializer(DataBasisFields):
    file = serializers.FileField(help_text="A .csv (UTF-8 or GBK) or .xlsx file.")
    kind = serializers.ChoiceField(choices=importing.KINDS, default="leads")
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.IMPORT)
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text='JSON object: column number (0-based) or header text → field, "" to '
        'ignore a column, e.g. {"客户电话": "phone", "3": ""}.',
    )

    def validate_mapping(self, value: str) -> dict:
        if not value:
            return {}
        try:
            mapping = json.loads(value)
        except ValueError as error:
            raise serializers.ValidationError("Not valid JSON.") from error
        if not isinstance(mapping, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return mapping


class DoNotCallSerializer(serializers.ModelSerializer):
    added_by = serializers.CharField(
        source="added_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = DoNotCall
        fields = ["id", "phone", "reason", "source", "added_by", "added_at"]
        read_only_fields = ["id", "added_by", "added_at"]
        extra_kwargs = {
            "phone": {
                "validators": [],
                "help_text": "Any common format; stored as E.164 (shown masked to roles "
                "without access to full numbers).",
            },
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        data["phone"] = risk_access.phone_for(getattr(request, "user", None), instance.phone)
        return data


class PhoneCheckSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=40)


class PhoneCheckResultSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text="E.164")
    do_not_call = serializers.BooleanField()


class InboundLeadSerializer(DataBasisFields):
    """What a web form or an ad platform may send; only `phone` is required. The data
    basis fields say which notice the person saw on the form, and when."""

    phone = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    wechat = serializers.CharField(max_length=100, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    product = serializers.CharField(max_length=100, required=False, allow_blank=True)
    budget = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    intent = serializers.ChoiceField(choices=Intent.choices, required=False)
    timeline = serializers.CharField(max_length=100, required=False, allow_blank=True)
    source = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Free text kept with the capture, e.g. the form or ad name.",
    )


class InboundResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The lead (new, or the one the phone belongs to).")
    created = serializers.BooleanField()
    duplicate_of = serializers.IntegerField(allow_null=True)


# --- imports --------------------------------------------------------------------------------


@extend_schema(tags=["lead imports"])
class ImportJobViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    GenericViewSet,
):
    """Bulk imports of leads or do-not-call numbers and their row-by-row reports."""

    visibility = leads_access.visible_imports
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser]  # an upload; every other body is JSON
    filterset_fields = ["status", "kind"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]
    search_fields = ["original_name"]

    def refine_queryset(self, queryset):
        return queryset.select_related("created_by", "notice")

    def get_serializer_class(self):
        if self.action == "create":
            return ImportCreateSerializer
        if self.action == "retrieve":
            return ImportJobDetailSerializer
        if self.action == "rows":
            return ImportRowSerializer
        return ImportJobSerializer

    @extend_schema(
        request={"multipart/form-data": ImportCreateSerializer},
        responses={201: ImportJobSerializer},
        description="Upload a file; the import runs in the background. Poll the job for "
        "its status and counts (`created`, `duplicates`, `rejected`). An agent's new leads "
        "are assigned to the agent; `kind=dnc` is for administrators only (403).",
    )
    def create(self, request, *args, **kwargs):
        serializer = ImportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not leads_access.may_import(request.user, data["kind"]):
            raise PermissionDenied("You may not import this kind of file.")
        job = importing.import_job_create(
            file=data["file"],
            by=request.user,
            kind=data["kind"],
            channel=data["channel"],
            campaign=data.get("campaign"),
            mapping=data.get("mapping") or None,
            stated_basis=stated_basis_pop(dict(data)),
        )
        job = self.get_queryset().get(pk=job.pk)
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "outcome", str, enum=ImportRow.Outcome.values, description="Only these rows."
            )
        ],
        responses={200: ImportRowSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def rows(self, request, pk=None):
        """Every duplicate and rejected row of the import, in file order."""
        job = self.get_object()
        outcome = request.query_params.get("outcome")
        if outcome and outcome not in ImportRow.Outcome.values:
            raise serializers.ValidationError({"outcome": ["Unknown outcome."]})
        page = self.paginate_queryset(selectors.import_rows(job, outcome=outcome))
        return self.get_paginated_response(ImportRowSerializer(page, many=True).data)


# --- do-not-call ----------------------------------------------------------------------------


class DoNotCallPermission(IsActiveStaff):
    """Reading is for those risk_access.visible_do_not_call shows the list to (admins, heads,
    inspectors; others get 403, not an empty list that looks like "nobody is on it");
    changing is for lead admins; `check` is for any staff member."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if view.action == "check":
            return True
        if view.action in ("list", "retrieve"):
            return not risk_access.visible_do_not_call(request.user).query.is_empty()
        return leads_access.can_configure_leads(request.user)


@extend_schema(tags=["do-not-call"])
@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "search",
                str,
                description="Reason contains, or the number: whole, or (masked callers) only "
                "the parts the mask shows.",
            )
        ]
    )
)
class DoNotCallViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    GenericViewSet,
):
    """The do-not-call list (免打扰名单). Adding a number closes its open leads."""

    visibility = risk_access.visible_do_not_call
    serializer_class = DoNotCallSerializer
    permission_classes = [DoNotCallPermission]
    filterset_fields = ["source"]
    ordering = ["-added_at"]

    @property
    def ordering_fields(self) -> list[str]:
        # Sorting masked numbers would tell their hidden digits apart, as a search would.
        request = getattr(self, "request", None)
        user = getattr(request, "user", None)
        if user is not None and risk_access.sees_full_numbers(user):
            return ["added_at", "phone"]
        return ["added_at"]

    # `search` is read by the selector: a number only as the caller may search numbers.
    search_fields: list[str] = []

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("added_by")
        if self.action == "list":
            search = self.request.query_params.get("search", "")
            queryset = selectors.do_not_call_search(queryset, self.request.user, search)
        return queryset

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = do_not_call_add(
            phone=data["phone"],
            reason=data["reason"],
            source=data.get("source", DoNotCall.Source.ADMIN),
            by=self.request.user,
        )

    def perform_destroy(self, instance):
        do_not_call_remove(phone=instance.phone, by=self.request.user)

    @extend_schema(request=PhoneCheckSerializer, responses={200: PhoneCheckResultSerializer})
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def check(self, request):
        """Is this number on the list? (Any staff member; the list itself stays hidden.)"""
        serializer = PhoneCheckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            phone = capture.phone_normalize(serializer.validated_data["phone"])
        except InvalidPhone as error:
            raise serializers.ValidationError({"phone": [str(error)]}) from error
        return Response({"phone": phone.e164, "do_not_call": is_do_not_call(phone.e164)})


# --- inbound --------------------------------------------------------------------------------


@extend_schema(tags=["inbound"])
class InboundLeadView(ScopedQuerysetMixin, GenericAPIView):
    """`POST /api/leads/inbound/` with `X-Api-Key: <prefix>.<secret>`.

    It lists no rows; `visibility` is set so the scoped-API check holds (the caller is a
    key, not a user, so it would see no leads anyway).
    """

    visibility = leads_access.visible_leads
    authentication_classes = [InboundKeyAuthentication]
    permission_classes = [HasInboundKey]
    throttle_classes = [InboundKeyThrottle]
    serializer_class = InboundLeadSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        request=InboundLeadSerializer,
        responses={201: InboundResultSerializer},
        description="Capture a lead. A phone already known is merged into its lead "
        "(`created: false`, `duplicate_of`). 400 names the field: an invalid phone, or a "
        "number on the do-not-call list.",
    )
    def post(self, request):
        serializer = InboundLeadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = request.auth
        data = dict(serializer.validated_data)
        stated = stated_basis_pop(data)
        result = capture.lead_capture(
            data=data, channel=key.channel, campaign=key.campaign, by=None, stated_basis=stated
        )
        return Response(
            {
                "id": result.lead.pk,
                "created": result.created,
                "duplicate_of": result.duplicate_of.pk if result.duplicate_of else None,
            },
            status=status.HTTP_201_CREATED,
        )


urlpatterns = [path("leads/inbound/", InboundLeadView.as_view(), name="leads-inbound")]


def register(router) -> None:
    """Add this module's viewsets to the lead API router (first: before `leads/{id}`)."""
    router.register("leads/imports", ImportJobViewSet, basename="lead-import")
    router.register("leads/do-not-call", DoNotCallViewSet, basename="lead-do-not-call")
