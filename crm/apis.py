"""REST API for the org: departments, teams, members, memberships and the caller's profile."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from . import access, services
from .api import ScopedReadOnlyViewSet, ScopedViewSet
from .api_defaults import IsActiveStaff, OrgAdminOrReadOnly
from .filters import (
    DepartmentFilter,
    MemberFilter,
    NotificationFilter,
    TeamFilter,
    TeamMembershipFilter,
)
from .models import Department, MemberStatus, Team
from .serializers import (
    DepartmentSerializer,
    MemberCreateSerializer,
    MemberMoveSerializer,
    MemberSerializer,
    MemberStatusSerializer,
    MemberUpdateSerializer,
    MeSerializer,
    NotificationSerializer,
    NotificationsReadSerializer,
    TeamMembershipSerializer,
    TeamSerializer,
)
from .two_factor import devices as two_factor_devices
from .two_factor import policy as two_factor_policy


class DepartmentViewSet(ScopedViewSet):
    visibility = access.visible_departments
    serializer_class = DepartmentSerializer
    permission_classes = [OrgAdminOrReadOnly]
    filterset_class = DepartmentFilter
    search_fields = ["name"]
    ordering_fields = ["path", "name", "created_at"]
    ordering = ["path"]

    def refine_queryset(self, queryset):
        return queryset.select_related("head")

    def perform_create(self, serializer):
        self._save(serializer, Department())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def _save(self, serializer, department):
        for name, value in serializer.validated_data.items():
            setattr(department, name, value)
        serializer.instance = services.department_save(department=department, by=self.request.user)

    def perform_destroy(self, instance):
        services.department_delete(department=instance)


class TeamViewSet(ScopedViewSet):
    visibility = access.visible_teams
    serializer_class = TeamSerializer
    permission_classes = [OrgAdminOrReadOnly]
    filterset_class = TeamFilter
    search_fields = ["name"]
    ordering_fields = ["name", "target_size", "created_at"]
    ordering = ["name"]

    def refine_queryset(self, queryset):
        return queryset.select_related("department", "manager").annotate(
            headcount=Count("members", filter=~Q(members__status=MemberStatus.LEFT))
        )

    def perform_create(self, serializer):
        self._save(serializer, Team())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def _save(self, serializer, team):
        for name, value in serializer.validated_data.items():
            setattr(team, name, value)
        services.team_save(team=team, by=self.request.user)
        serializer.instance = self.get_queryset().get(pk=team.pk)

    def perform_destroy(self, instance):
        if instance.members.exists() or instance.memberships.exists():
            raise DjangoValidationError(
                "A team with members or history cannot be deleted; deactivate it."
            )
        instance.delete()


class MemberViewSet(ScopedViewSet):
    """Staff profiles. Team moves and status changes are actions, so history is kept."""

    visibility = access.visible_members
    serializer_class = MemberSerializer
    permission_classes = [OrgAdminOrReadOnly]
    filterset_class = MemberFilter
    search_fields = ["user__first_name", "user__username", "employee_no"]
    ordering_fields = ["employee_no", "hire_date", "role", "status"]
    ordering = ["employee_no"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def refine_queryset(self, queryset):
        return queryset.select_related("user", "team").prefetch_related("skills")

    def get_serializer_class(self):
        return {
            "create": MemberCreateSerializer,
            "partial_update": MemberUpdateSerializer,
            "move": MemberMoveSerializer,
            "set_status": MemberStatusSerializer,
        }.get(self.action, MemberSerializer)

    def _detail(self, member, code=status.HTTP_200_OK):
        member = self.get_queryset().get(pk=member.pk)
        return Response(
            MemberSerializer(member, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = services.member_create(**serializer.validated_data, by=request.user)
        return self._detail(member, status.HTTP_201_CREATED)

    @extend_schema(request=MemberUpdateSerializer, responses={200: MemberSerializer})
    def partial_update(self, request, *args, **kwargs):
        member = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.member_update(member=member, by=request.user, **serializer.validated_data)
        return self._detail(member)

    @extend_schema(request=MemberMoveSerializer, responses={200: MemberSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        member = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.member_move(member=member, by=request.user, **serializer.validated_data)
        return self._detail(member)

    @extend_schema(request=MemberStatusSerializer, responses={200: MemberSerializer})
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        member = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.member_set_status(member=member, by=request.user, **serializer.validated_data)
        return self._detail(member)

    # A plain list (one member's history is short): no pagination, and the member list's
    # filters do not apply, so neither is documented.
    @extend_schema(responses={200: TeamMembershipSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def memberships(self, request, pk=None):
        member = self.get_object()
        rows = member.memberships.select_related("team", "member__user").order_by("-started_at")
        return Response(TeamMembershipSerializer(rows, many=True).data)


class TeamMembershipViewSet(ScopedReadOnlyViewSet):
    """Who was in which team when: what KPIs and turnover per team are computed from."""

    visibility = access.visible_memberships
    serializer_class = TeamMembershipSerializer
    filterset_class = TeamMembershipFilter
    ordering_fields = ["started_at", "ended_at"]
    ordering = ["-started_at"]

    def refine_queryset(self, queryset):
        return queryset.select_related("team", "member__user")


class NotificationViewSet(ScopedReadOnlyViewSet):
    """The caller's own notifications (everyone's, admins' included, are personal), newest
    first; `unread=true` for those not read yet."""

    visibility = access.own_notifications
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark this notification read."""
        notification = self.get_object()
        services.notifications_mark_read(user=request.user, ids=[notification.pk])
        notification.refresh_from_db(fields=["read_at"])
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses={200: NotificationsReadSerializer})
    @action(
        detail=False,
        methods=["post"],
        url_path="read-all",
        filter_backends=[],
        pagination_class=None,
    )
    def read_all(self, request):
        """Mark all of the caller's notifications read; answers how many were unread."""
        marked = services.notifications_mark_read(user=request.user)
        return Response(NotificationsReadSerializer({"marked": marked}).data)


class MeView(APIView):
    """The caller: who they are, their role and profile."""

    permission_classes = [IsActiveStaff]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        member = getattr(request.user, "member", None)
        data = {
            "id": request.user.pk,
            "username": request.user.get_username(),
            "full_name": request.user.get_full_name() or request.user.get_username(),
            "role": access.scope_of(request.user).role,
            "member": member,
        }
        return Response(MeSerializer(data).data)


class TokenThrottle(SimpleRateThrottle):
    """Token requests per address, signed in or not (a session must not lift the limit)."""

    scope = "token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenAccountThrottle(SimpleRateThrottle):
    """Token requests per target account, from any address (a spray spread over many
    addresses still meets each account's limit)."""

    scope = "token_account"

    def get_cache_key(self, request, view):
        data = request.data
        raw = data.get("username", "") if hasattr(data, "get") else ""
        if not isinstance(raw, str):
            return None  # a JSON list or number is no username: the serializer refuses it
        username = raw[:150].strip().lower()
        if not username:
            return None
        return self.cache_format % {"scope": self.scope, "ident": username}


# Named "Token": the schema's request split makes it `TokenRequest` (username, password,
# otp) and the answer `Token` (the token), not `TokenRequestRequest`.
@extend_schema_serializer(component_name="Token")
class TokenRequestSerializer(AuthTokenSerializer):
    """Bounded fields: an over-long username is a 400 here, not a failed insert into the
    lockout table (django-axes stores what was tried, up to 255 characters).

    `otp`: a code from the authenticator (or a recovery code), required from users with
    two-factor sign-in; users whose role requires it and who have not enrolled get no
    token (they enrol in the browser first). See `crm.two_factor`."""

    username = serializers.CharField(label=_("Username"), max_length=150, write_only=True)
    password = serializers.CharField(
        label=_("Password"),
        max_length=1024,
        style={"input_type": "password"},
        trim_whitespace=False,
        write_only=True,
    )
    otp = serializers.CharField(
        label=_("Two-factor code"), max_length=32, required=False, write_only=True
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        user = attrs["user"]
        if two_factor_devices.has_device(user):
            if not attrs.get("otp"):
                raise serializers.ValidationError(
                    {"otp": _("Enter the code from your authenticator app.")}, code="required"
                )
            verification = two_factor_devices.code_verify(
                user=user, code=attrs["otp"], channel="api"
            )
            if not verification.ok:
                raise serializers.ValidationError(
                    {"otp": two_factor_devices.refusal_message(verification)}, code="invalid"
                )
        elif two_factor_policy.is_required(user):
            raise serializers.ValidationError(
                {"otp": _("Set up two-factor sign-in in the browser before asking for a token.")},
                code="enrol",
            )
        return attrs


class ObtainTokenView(ObtainAuthToken):
    """Trade a username and password for an API token (throttled; lockout by django-axes)."""

    serializer_class = TokenRequestSerializer
    parser_classes = [JSONParser]  # DRF's view also takes forms; the API's bodies are JSON
    throttle_classes = [TokenThrottle, TokenAccountThrottle]
    permission_classes = []


# Swagger UI under the Content-Security-Policy: the split view serves the page's start-up
# script from this same URL (`?script`) instead of inline, and crm/api_docs.html links a
# stylesheet instead of drf-spectacular's <style> block; Swagger UI itself sets styles
# through the DOM only (allowed). So the docs need no exception to the site's policy.
_swagger_page = SpectacularSwaggerSplitView.as_view(
    url_name="api-schema", template_name="crm/api_docs.html"
)


def api_docs(request, *args, **kwargs):
    """The API's documentation page; a visitor not signed in is sent to the sign-in page
    first (unless `API_SCHEMA_PUBLIC`), the schema it reads refuses them anyway."""
    if not settings.API_SCHEMA_PUBLIC and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return _swagger_page(request, *args, **kwargs)
