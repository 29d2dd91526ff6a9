"""Call scripts (话术, versioned) and the case library (cases, comments, featuring)."""

from __future__ import annotations

from django.db.models import Count
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm import access
from crm.api import ScopedRelatedField, ScopedViewSet, user_name
from leads import access as leads_access
from training import access as training_access

from ..models import CallScript, Case, CaseComment
from ..services import call_scripts, case_library
from .common import ReadOrRule

# --- serializers --------------------------------------------------------------------------


class CallScriptSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallScript
        fields = ["id", "product", "stage", "version", "title", "body", "active", "published_at"]
        read_only_fields = fields


class ScriptPublishSerializer(serializers.Serializer):
    product = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    stage = serializers.ChoiceField(choices=CallScript._meta.get_field("stage").choices)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20000)


class CaseSerializer(serializers.ModelSerializer):
    tags = serializers.SlugRelatedField(many=True, slug_field="name", read_only=True)
    author_name = serializers.SerializerMethodField()
    comment_count = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "title",
            "outcome",
            "body",
            "lessons",
            "tags",
            "author",
            "author_name",
            "lead",
            "order",
            "featured_for_team",
            "created_at",
            "comment_count",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_author_name(self, case) -> str:
        return user_name(case.author) or ""

    @extend_schema_field(serializers.IntegerField())
    def get_comment_count(self, case) -> int:
        count = getattr(case, "comment_count", None)
        return case.comments.count() if count is None else count


class CaseWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    outcome = serializers.ChoiceField(choices=Case._meta.get_field("outcome").choices)
    body = serializers.CharField(max_length=20000)
    lessons = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, default=list, max_length=10
    )
    lead = ScopedRelatedField(
        visibility=leads_access.visible_leads, required=False, allow_null=True
    )


class CaseCommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseComment
        fields = ["id", "case", "author", "body", "created_at"]
        read_only_fields = fields


class CaseCommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=4000)


class CaseFeatureSerializer(serializers.Serializer):
    team = ScopedRelatedField(
        visibility=access.visible_teams,
        allow_null=True,
        help_text="A team id, or null to stop featuring it.",
    )


# --- viewsets -----------------------------------------------------------------------------


@extend_schema(tags=["training"])
class CallScriptViewSet(ScopedViewSet):
    """Call scripts (话术), versioned: posting publishes a new version and retires the
    previous one; a published version is never edited."""

    visibility = training_access.visible_call_scripts
    permission_classes = [ReadOrRule]
    write_rule = staticmethod(training_access.can_configure_training)
    serializer_class = CallScriptSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["product", "stage", "active"]
    search_fields = ["title", "body"]
    ordering = ["product", "stage", "-version"]

    @extend_schema(request=ScriptPublishSerializer, responses={201: CallScriptSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ScriptPublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        script = call_scripts.script_publish(by=request.user, **serializer.validated_data)
        return Response(CallScriptSerializer(script).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["training"])
class CaseViewSet(ScopedViewSet):
    """The case library: every staff member reads, searches (`search`), writes and comments;
    managers feature a case for their team."""

    visibility = training_access.visible_cases
    permission_classes = [ReadOrRule]
    write_rule = staticmethod(lambda user: access.scope_of(user).user_id is not None)
    action_rules = {"feature": staticmethod(training_access.can_feature_case)}
    serializer_class = CaseSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["outcome", "featured_for_team", "author"]
    search_fields = ["title", "body", "lessons", "tags__name"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def refine_queryset(self, queryset):
        return (
            queryset.select_related("author")
            .prefetch_related("tags")
            .annotate(comment_count=Count("comments", distinct=True))
        )

    @extend_schema(request=CaseWriteSerializer, responses={201: CaseSerializer})
    def create(self, request, *args, **kwargs):
        serializer = CaseWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lead = data.pop("lead", None)
        case = case_library.case_write(by=request.user, lead=lead, **data)
        return Response(
            CaseSerializer(self.get_queryset().get(pk=case.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(methods=["GET"], responses={200: CaseCommentSerializer(many=True)}, request=None)
    @extend_schema(
        methods=["POST"], request=CaseCommentWriteSerializer, responses={201: CaseCommentSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def comments(self, request, pk=None):
        case = self.get_object()
        if request.method == "GET":
            rows = case.comments.order_by("created_at", "id")
            return Response(CaseCommentSerializer(rows, many=True).data)
        serializer = CaseCommentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = case_library.case_comment(
            case=case, body=serializer.validated_data["body"], by=request.user
        )
        return Response(CaseCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CaseFeatureSerializer, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"])
    def feature(self, request, pk=None):
        case = self.get_object()
        serializer = CaseFeatureSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        case_library.case_feature(
            case=case, team=serializer.validated_data["team"], by=request.user
        )
        return Response(CaseSerializer(self.get_queryset().get(pk=case.pk)).data)
