"""Requests from people through the API, /api/privacy/requests/ (administrators only):
log one, read them, and answer: `export` (the person's data file), `correct`, `erase`,
`close`, each a POST action calling one service. Anyone else is refused (403); a request
outside the caller's rows answers 404 like a missing one."""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api import ScopedCreateReadViewSet, ScopedRelatedField, user_name
from crm.api_defaults import IsActiveStaff
from leads import access as leads_access
from leads.models import Lead
from risk.services import client_ip

from . import access, selectors
from .models import RequestEvent, RequestKind, RequestStatus, SubjectRequest
from .services import erasure
from .services import requests as request_services


class HandlesRequests(IsActiveStaff):
    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and access.can_handle_requests(request.user)


class RequestEventSerializer(serializers.ModelSerializer):
    by_name = serializers.SerializerMethodField()

    class Meta:
        model = RequestEvent
        fields = ["kind", "note", "data", "by", "by_name", "at"]
        read_only_fields = fields

    def get_by_name(self, obj) -> str | None:
        return user_name(obj.by)


class SubjectRequestSerializer(serializers.ModelSerializer):
    subject_label = serializers.CharField(read_only=True)
    # Not an EmailField: most requests have none, and "" is not a valid `format: email`.
    subject_email = serializers.CharField(read_only=True)
    handled_by_name = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()
    leads = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = SubjectRequest
        fields = [
            "id",
            "kind",
            "status",
            "subject_label",
            "subject_name",
            "subject_phone",
            "subject_email",
            "leads",
            "do_not_call",
            "details",
            "received_at",
            "due_on",
            "is_overdue",
            "handled_by",
            "handled_by_name",
            "held_back_reason",
            "outcome",
            "outcome_data",
            "closed_at",
        ]
        read_only_fields = fields

    def get_handled_by_name(self, obj) -> str | None:
        return user_name(obj.handled_by)

    def get_is_overdue(self, obj) -> bool:
        return obj.is_overdue()


class SubjectRequestDetailSerializer(SubjectRequestSerializer):
    events = RequestEventSerializer(many=True, read_only=True)
    erasure_held_back_by = serializers.SerializerMethodField()

    class Meta(SubjectRequestSerializer.Meta):
        fields = [*SubjectRequestSerializer.Meta.fields, "events", "erasure_held_back_by"]
        read_only_fields = fields

    def get_erasure_held_back_by(self, obj) -> list[str]:
        if not (obj.is_open and obj.kind == RequestKind.DELETION):
            return []
        return selectors.erasure_blockers(selectors.person_of(obj))


class RequestOpenSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    email = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    details = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    leads = ScopedRelatedField(
        visibility=leads_access.visible_leads, many=True, required=False, max_length=50
    )
    do_not_call = serializers.BooleanField(required=False, default=False)
    received_at = serializers.DateTimeField(required=False, default=None)


class CorrectionSerializer(serializers.Serializer):
    lead = ScopedRelatedField(visibility=leads_access.visible_leads)
    name = serializers.CharField(required=False, max_length=100)
    email = serializers.CharField(required=False, max_length=254, allow_blank=True)
    phone = serializers.CharField(required=False, max_length=40)


class CloseSerializer(serializers.Serializer):
    # completed or refused (the service refuses "open", naming the field).
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    outcome = serializers.CharField(max_length=4000)


@extend_schema_view(
    list=extend_schema(description="Requests from people, newest first (administrators)."),
    retrieve=extend_schema(
        description="A request with its history and, for an open "
        "deletion, what holds the erasure back."
    ),
)
class SubjectRequestViewSet(ScopedCreateReadViewSet):
    visibility = access.visible_requests
    permission_classes = [HandlesRequests]

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("handled_by").prefetch_related("leads")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("events__by")
        status_ = self.request.query_params.get("status", "")
        kind = self.request.query_params.get("kind", "")
        if status_ in RequestStatus.values:
            queryset = queryset.filter(status=status_)
        if kind in RequestKind.values:
            queryset = queryset.filter(kind=kind)
        return queryset.order_by("-received_at", "-id")

    def get_serializer_class(self):
        return {
            "retrieve": SubjectRequestDetailSerializer,
            "create": RequestOpenSerializer,
            "correct": CorrectionSerializer,
            "close": CloseSerializer,
        }.get(self.action, SubjectRequestSerializer)

    def _detail(self, subject, code=status.HTTP_200_OK) -> Response:
        subject = (
            self.refine_queryset(access.visible_requests(self.request.user))
            .prefetch_related("events__by")
            .get(pk=subject.pk)
        )
        return Response(
            SubjectRequestDetailSerializer(subject, context=self.get_serializer_context()).data,
            code,
        )

    @extend_schema(
        request=RequestOpenSerializer,
        responses={201: SubjectRequestDetailSerializer},
        description="Log a request; due 15 working days after it was received.",
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data.get("received_at") is None:
            data.pop("received_at", None)
        subject = request_services.request_open(by=request.user, **data)
        return self._detail(subject, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: OpenApiTypes.OBJECT},
        description="Everything held about the person, as one JSON document (logged).",
    )
    @action(detail=True, methods=["post"])
    def export(self, request, pk=None):
        body = request_services.request_export(
            request=self.get_object(), by=request.user, ip=client_ip(request)
        )
        return Response(json.loads(body))

    @extend_schema(
        request=CorrectionSerializer,
        responses={200: SubjectRequestDetailSerializer},
        description="Correct name, email or phone of one of the person's customer records.",
    )
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        subject = self.get_object()
        serializer = CorrectionSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lead: Lead = data.pop("lead")
        request_services.request_correct(request=subject, lead=lead, by=request.user, **data)
        return self._detail(subject)

    @extend_schema(
        request=None,
        responses={200: SubjectRequestDetailSerializer},
        description="Erase the person's data (deletion requests); 400 with the reasons "
        "while an order, ticket or dispute is open.",
    )
    @action(detail=True, methods=["post"])
    def erase(self, request, pk=None):
        subject = erasure.erase_person(request=self.get_object(), by=request.user)
        return self._detail(subject)

    @extend_schema(
        request=CloseSerializer,
        responses={200: SubjectRequestDetailSerializer},
        description="Close as completed (what was done) or refused (why).",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        subject = self.get_object()
        serializer = CloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subject = request_services.request_close(
            request=subject, by=request.user, **serializer.validated_data
        )
        return self._detail(subject)
