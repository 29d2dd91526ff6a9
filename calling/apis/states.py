"""Agent states: `GET/POST /api/calling/state/` (the caller's own), the state log in scope
(`/api/calling/states/`), and the pause codes (`/api/calling/pause-codes/`)."""

from __future__ import annotations

from django.db.models import ProtectedError
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from crm.api import ScopedQuerysetMixin, ScopedReadOnlyViewSet, ScopedViewSet, user_name
from crm.api_defaults import IsActiveStaff
from crm.pagination import UncountedPagination

from .. import access as calling_access
from ..models import AgentState, PauseCode, StateChange, StateSource
from ..services import states as state_services


class ConfiguresFloor(IsActiveStaff):
    """Everyone reads; administrators write."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or calling_access.can_configure_floor(
            request.user
        )


class PauseCodeSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, help_text="The name to show, translated.")

    class Meta:
        model = PauseCode
        fields = ["id", "code", "name", "label", "max_minutes", "active", "sort_order"]
        extra_kwargs = {
            "max_minutes": {"min_value": 1, "max_value": 24 * 60},
            "sort_order": {"max_value": 32767},
        }


class PauseCodeViewSet(ScopedViewSet):
    """Pause codes (lunch, training, meeting, restroom…) with their maximum length. Every
    member reads them (`?active=true` for the ones in use); administrators create, edit and
    delete them (a code already used is kept: set `active` to false instead)."""

    visibility = calling_access.visible_pause_codes
    permission_classes = [ConfiguresFloor]
    serializer_class = PauseCodeSerializer
    pagination_class = None

    def perform_destroy(self, instance) -> None:
        try:
            instance.delete()
        except ProtectedError:
            raise ValidationError(
                {"active": ["This code is in the state log: set it inactive instead."]}
            ) from None


class StateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=AgentState.choices)
    pause_code = serializers.IntegerField(allow_null=True, help_text="The pause code's id.")
    pause_label = serializers.CharField(read_only=True, allow_null=True)
    source = serializers.ChoiceField(choices=StateSource.choices, read_only=True)
    started_at = serializers.DateTimeField(read_only=True, allow_null=True)
    seconds = serializers.IntegerField(read_only=True, help_text="Seconds in this state so far.")
    max_minutes = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The pause code's limit."
    )


class StateInputSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[(s, AgentState(s).label) for s in state_services.AGENT_CHOICES],
        help_text="ready, paused (with pause_code) or offline.",
    )
    pause_code = serializers.PrimaryKeyRelatedField(
        queryset=PauseCode.objects.filter(active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="An active pause code's id (required to pause).",
    )


def state_data(row: StateChange | None) -> dict:
    if row is None or row.state == AgentState.OFFLINE:
        return {
            "state": AgentState.OFFLINE,
            "pause_code": None,
            "pause_label": None,
            "source": row.source if row else StateSource.AGENT,
            "started_at": row.started_at if row else None,
            "seconds": int((timezone.now() - row.started_at).total_seconds()) if row else 0,
            "max_minutes": None,
        }
    code = row.pause_code if row.pause_code_id else None
    return {
        "state": row.state,
        "pause_code": row.pause_code_id,
        "pause_label": code.label if code else None,
        "source": row.source,
        "started_at": row.started_at,
        "seconds": max(0, int((timezone.now() - row.started_at).total_seconds())),
        "max_minutes": code.max_minutes if code else None,
    }


class MyStateView(ScopedQuerysetMixin, generics.GenericAPIView):
    """The caller's own state: read it, or change it (ready, paused with a code, offline).
    For agents and team managers, who take calls."""

    visibility = calling_access.visible_state_changes
    permission_classes = [IsActiveStaff]
    serializer_class = StateSerializer
    pagination_class = None
    filter_backends: list = []

    def check_permissions(self, request) -> None:
        super().check_permissions(request)
        if not calling_access.takes_calls(request.user):
            raise PermissionDenied("Only agents and team managers take calls.")

    @extend_schema(tags=["calling"], responses={200: StateSerializer})
    def get(self, request):
        return Response(
            StateSerializer(state_data(state_services.current_state(request.user))).data
        )

    @extend_schema(tags=["calling"], request=StateInputSerializer, responses={200: StateSerializer})
    def post(self, request):
        given = StateInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        row = state_services.change_state(
            request.user,
            given.validated_data["state"],
            source=StateSource.AGENT,
            pause_code=given.validated_data.get("pause_code"),
        )
        if row.pk is None:  # offline with nothing open
            row = None
        return Response(StateSerializer(state_data(row)).data)


class StateChangeSerializer(serializers.ModelSerializer):
    user_name = serializers.SerializerMethodField()
    pause_label = serializers.SerializerMethodField()

    class Meta:
        model = StateChange
        fields = [
            "id",
            "user",
            "user_name",
            "state",
            "pause_code",
            "pause_label",
            "started_at",
            "ended_at",
            "source",
            "note",
        ]
        read_only_fields = fields

    def get_user_name(self, obj) -> str | None:
        return user_name(obj.user)

    def get_pause_label(self, obj) -> str | None:
        return obj.pause_code.label if obj.pause_code_id else None


class StateChangeFilter(serializers.Serializer):
    user = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class StateChangeViewSet(ScopedReadOnlyViewSet):
    """The append-only state log (who, state, code, from, to, why), newest first: an agent's
    own, a manager's team's, a head's subtree's. `?user=` narrows to one person."""

    visibility = calling_access.visible_state_changes
    permission_classes = [IsActiveStaff]
    serializer_class = StateChangeSerializer
    pagination_class = UncountedPagination
    filter_backends: list = []

    @extend_schema(parameters=[StateChangeFilter])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def refine_queryset(self, queryset):
        given = StateChangeFilter(data=self.request.query_params)
        given.is_valid(raise_exception=True)
        if "user" in given.validated_data:
            queryset = queryset.filter(user_id=given.validated_data["user"])
        return queryset.select_related("user", "pause_code").order_by("-started_at", "-id")
