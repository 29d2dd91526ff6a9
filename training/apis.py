"""Training API: courses, sessions, materials, enrollments, promotions, call scripts and
cases. Every view reads rows through `crm.api`'s scoped classes (a row outside the caller's
scope answers 404); writes go through `training.services`, whose refusals are 400s naming
the field."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from crm import access
from crm.api import ScopedViewSet, raise_as_api_error, user_name
from crm.api_defaults import IsActiveStaff
from leads import access as leads_access
from training import access as training_access

from .models import (
    CallScript,
    Case,
    CaseComment,
    Course,
    Enrollment,
    Material,
    PromotionLevel,
    PromotionProposal,
    Session,
)
from .services import call_scripts, case_library, catalog, enrollments, promotions
from .uploads import allowed_extensions

# --- permissions --------------------------------------------------------------------------


class ReadOrRule(IsActiveStaff):
    """Reading follows the scope; writing needs the view's `write_rule` (a `crm.access`
    predicate); an action may name its own in `action_rules`."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        rules = getattr(view, "action_rules", {})
        rule = rules.get(view.action)
        if rule is None:
            if request.method in permissions.SAFE_METHODS:
                return True
            rule = view.write_rule
        return bool(rule(request.user))


def _scoped_or_400(queryset, pk, field: str):
    """A row the caller may see by id, else a 400 naming the field."""
    row = queryset.filter(pk=pk).first() if pk is not None else None
    if row is None:
        raise_as_api_error(DjangoValidationError({field: _("Unknown, or not yours to see.")}))
    return row


# --- serializers --------------------------------------------------------------------------


class CourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = [
            "id",
            "kind",
            "title",
            "description",
            "required_for_onboarding",
            "has_exam",
            "pass_mark",
            "certificate_valid_months",
            "active",
        ]
        extra_kwargs = {
            "pass_mark": {"min_value": 0, "max_value": 100},
            "certificate_valid_months": {"min_value": 1, "max_value": 600},
        }


class TrainingSessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = ["id", "course", "starts_at", "ends_at", "trainer", "place", "link"]

    def validate_course(self, course):
        if (
            not training_access.visible_courses(self.context["request"].user)
            .filter(pk=course.pk)
            .exists()
        ):
            raise serializers.ValidationError("Unknown course.")
        return course


class MaterialSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Material
        fields = [
            "id",
            "course",
            "original_name",
            "size",
            "content_type",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_download_url(self, material) -> str:
        return reverse("training:material_download", args=[material.pk])


class MaterialUploadSerializer(serializers.Serializer):
    course = serializers.IntegerField(min_value=1)
    file = serializers.FileField(
        help_text=f"Allowed: {allowed_extensions()}; the content must match the extension."
    )


class EnrollmentSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.display_name", read_only=True)
    course_title = serializers.CharField(source="course.title", read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "member",
            "member_name",
            "course",
            "course_title",
            "session",
            "status",
            "score",
            "enrolled_by",
            "enrolled_at",
            "completed_on",
            "certificate_expires_on",
        ]
        read_only_fields = fields


class EnrollSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, help_text="A member id.")
    course = serializers.IntegerField(min_value=1)
    session = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class EnrollTeamSerializer(serializers.Serializer):
    team = serializers.IntegerField(min_value=1)
    course = serializers.IntegerField(min_value=1)
    session = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class EnrollmentResultSerializer(serializers.Serializer):
    attended = serializers.BooleanField(default=True)
    score = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)


class PromotionLevelSerializer(serializers.ModelSerializer):
    required_courses = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Course.objects.all(), required=False
    )
    scorecard_thresholds = serializers.DictField(
        child=serializers.FloatField(),
        required=False,
        help_text='Indicator code (or "total") → the figure needed on last month\'s scorecard, '
        'in the indicator\'s unit, e.g. {"conversion": 8, "total": 70}',
    )

    def validate_scorecard_thresholds(self, value):
        try:
            promotions.check_thresholds(thresholds=value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict["scorecard_thresholds"]) from None
        return value

    class Meta:
        model = PromotionLevel
        fields = [
            "id",
            "name",
            "rank",
            "description",
            "min_tenure_months",
            "required_courses",
            "scorecard_thresholds",
        ]
        extra_kwargs = {
            "rank": {"min_value": 0, "max_value": 1000},
            "min_tenure_months": {"min_value": 0, "max_value": 600},
        }


class PromotionProposalSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.display_name", read_only=True)

    class Meta:
        model = PromotionProposal
        fields = [
            "id",
            "member",
            "member_name",
            "from_level",
            "to_level",
            "status",
            "reasons",
            "proposed_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class ProposeSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1)
    to_level = serializers.IntegerField(min_value=1)
    reasons = serializers.CharField(max_length=4000)


class PromotionDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


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
    lead = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class CaseCommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseComment
        fields = ["id", "case", "author", "body", "created_at"]
        read_only_fields = fields


class CaseCommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=4000)


class CaseFeatureSerializer(serializers.Serializer):
    team = serializers.IntegerField(
        min_value=1, allow_null=True, help_text="A team id, or null to stop featuring it."
    )


# --- viewsets -----------------------------------------------------------------------------


def _save_or_400(save, instance):
    try:
        return save(instance)
    except DjangoValidationError as error:
        raise_as_api_error(error)


@extend_schema(tags=["training"])
class CourseViewSet(ScopedViewSet):
    """Courses: every staff member reads the active ones; administrators configure them
    (a course is retired with `active: false`, never deleted)."""

    visibility = training_access.visible_courses
    permission_classes = [ReadOrRule]
    write_rule = staticmethod(training_access.can_configure_training)
    serializer_class = CourseSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["kind", "required_for_onboarding", "active"]
    search_fields = ["title", "description"]
    ordering_fields = ["title", "kind"]
    ordering = ["kind", "title"]

    def perform_create(self, serializer):
        serializer.instance = _save_or_400(
            lambda c: catalog.course_save(course=c), Course(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        course = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(course, name, value)
        serializer.instance = _save_or_400(lambda c: catalog.course_save(course=c), course)


@extend_schema(tags=["training"])
class SessionViewSet(ScopedViewSet):
    visibility = training_access.visible_training_sessions
    permission_classes = [ReadOrRule]
    write_rule = staticmethod(training_access.can_configure_training)
    serializer_class = TrainingSessionSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["course"]
    ordering_fields = ["starts_at"]
    ordering = ["starts_at", "id"]

    def perform_create(self, serializer):
        serializer.instance = _save_or_400(
            lambda s: catalog.session_save(session=s), Session(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        session = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(session, name, value)
        serializer.instance = _save_or_400(lambda s: catalog.session_save(session=s), session)


@extend_schema(tags=["training"])
class MaterialViewSet(ScopedViewSet):
    """Course files. Download them from `download_url` (signed-in staff only)."""

    visibility = training_access.visible_materials
    permission_classes = [ReadOrRule]
    write_rule = staticmethod(training_access.can_configure_training)
    serializer_class = MaterialSerializer
    parser_classes = [MultiPartParser, FormParser]
    http_method_names = ["get", "post", "delete", "head", "options"]
    filterset_fields = ["course"]
    ordering = ["course", "original_name", "id"]

    @extend_schema(
        request={"multipart/form-data": MaterialUploadSerializer},
        responses={201: MaterialSerializer},
        description="Upload a file to a course. The type is read from the content; a file "
        "whose content does not match its extension, of another type, or larger than the "
        "limit is a 400 naming `file`.",
    )
    def create(self, request, *args, **kwargs):
        serializer = MaterialUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        course = _scoped_or_400(
            training_access.visible_courses(request.user), data["course"], "course"
        )
        try:
            material = catalog.material_upload(course=course, upload=data["file"], by=request.user)
        except DjangoValidationError as error:
            raise_as_api_error(error)
        return Response(MaterialSerializer(material).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        catalog.material_delete(material=instance)


@extend_schema(tags=["training"])
class EnrollmentViewSet(ScopedViewSet):
    """Enrollments the caller may see: their own, their team's, their subtree's."""

    visibility = training_access.visible_enrollments
    permission_classes = [ReadOrRule]
    write_rule = staticmethod(training_access.can_manage_training)
    serializer_class = EnrollmentSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["member", "course", "session", "status"]
    ordering_fields = ["enrolled_at", "completed_on"]
    ordering = ["-enrolled_at", "-id"]

    def refine_queryset(self, queryset):
        return queryset.select_related("member__user", "course")

    def _sources(self, data):
        user = self.request.user
        course = _scoped_or_400(training_access.visible_courses(user), data["course"], "course")
        session = None
        if data.get("session") is not None:
            session = _scoped_or_400(
                training_access.visible_training_sessions(user), data["session"], "session"
            )
        return course, session

    @extend_schema(
        request=EnrollSerializer,
        responses={201: EnrollmentSerializer, 200: EnrollmentSerializer},
        description="Enroll a member (managers: their team's). Enrolling again in the same "
        "course and session answers 200 with the existing enrollment.",
    )
    def create(self, request, *args, **kwargs):
        serializer = EnrollSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        member = _scoped_or_400(
            access.visible_members(request.user).select_related("user"), data["member"], "member"
        )
        course, session = self._sources(data)
        try:
            enrollment, created = enrollments.enroll(
                member=member, course=course, session=session, by=request.user
            )
        except DjangoValidationError as error:
            raise_as_api_error(error)
        enrollment = self.get_queryset().get(pk=enrollment.pk)
        return Response(
            EnrollmentSerializer(enrollment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=EnrollTeamSerializer,
        responses={
            200: inline_serializer("EnrollTeamResult", {"created": serializers.IntegerField()})
        },
        description="Enroll every current agent of a team (a manager: their own team).",
    )
    @action(detail=False, methods=["post"], url_path="enroll-team")
    def enroll_team(self, request):
        serializer = EnrollTeamSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        team = _scoped_or_400(access.visible_teams(request.user), data["team"], "team")
        course, session = self._sources(data)
        try:
            created = enrollments.enroll_many(
                course=course, session=session, team=team, by=request.user
            )
        except DjangoValidationError as error:
            raise_as_api_error(error)
        return Response({"created": created})

    @extend_schema(
        request=EnrollmentResultSerializer,
        responses={200: EnrollmentSerializer},
        description="Record attendance and the score: passed when the score reaches the "
        "course's pass mark (a course without an exam is passed by attending). Passing the "
        "last required onboarding course makes the agent active.",
    )
    @action(detail=True, methods=["post"], url_path="record-result")
    def record_result(self, request, pk=None):
        enrollment = self.get_object()
        serializer = EnrollmentResultSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            enrollments.record_result(
                enrollment=enrollment, by=request.user, **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise_as_api_error(error)
        return Response(EnrollmentSerializer(self.get_queryset().get(pk=enrollment.pk)).data)


@extend_schema(tags=["training"])
class PromotionLevelViewSet(ScopedViewSet):
    visibility = training_access.visible_promotion_levels
    permission_classes = [ReadOrRule]
    write_rule = staticmethod(training_access.can_configure_training)
    serializer_class = PromotionLevelSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering = ["rank"]

    def refine_queryset(self, queryset):
        return queryset.prefetch_related("required_courses")


@extend_schema(tags=["training"])
class PromotionProposalViewSet(ScopedViewSet):
    """Proposals about members the caller may see. Managers propose for their team; heads
    approve or reject in their subtree."""

    visibility = training_access.visible_promotion_proposals
    permission_classes = [ReadOrRule]
    write_rule = staticmethod(training_access.can_propose_promotion)
    action_rules = {
        "approve": staticmethod(training_access.can_approve_promotion),
        "reject": staticmethod(training_access.can_approve_promotion),
    }
    serializer_class = PromotionProposalSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["member", "status", "to_level"]
    ordering = ["-created_at", "-id"]

    def refine_queryset(self, queryset):
        return queryset.select_related("member__user")

    @extend_schema(
        request=ProposeSerializer,
        responses={201: PromotionProposalSerializer},
        description="Propose a member of your team for the next level; the level's criteria "
        "(tenure, courses) must be met, else a 400 naming `to_level`.",
    )
    def create(self, request, *args, **kwargs):
        serializer = ProposeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        member = _scoped_or_400(
            access.visible_members(request.user).select_related("user"), data["member"], "member"
        )
        level = _scoped_or_400(PromotionLevel.objects.all(), data["to_level"], "to_level")
        try:
            proposal = promotions.promotion_propose(
                member=member, to_level=level, reasons=data["reasons"], by=request.user
            )
        except DjangoValidationError as error:
            raise_as_api_error(error)
        proposal = self.get_queryset().get(pk=proposal.pk)
        return Response(PromotionProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, decide):
        proposal = self.get_object()
        serializer = PromotionDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            decide(proposal=proposal, note=serializer.validated_data["note"], by=request.user)
        except DjangoValidationError as error:
            raise_as_api_error(error)
        return Response(PromotionProposalSerializer(self.get_queryset().get(pk=proposal.pk)).data)

    @extend_schema(
        request=PromotionDecisionSerializer, responses={200: PromotionProposalSerializer}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, promotions.promotion_approve)

    @extend_schema(
        request=PromotionDecisionSerializer,
        responses={200: PromotionProposalSerializer},
        description="Reject with a note (required).",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, promotions.promotion_reject)


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
        try:
            script = call_scripts.script_publish(by=request.user, **serializer.validated_data)
        except DjangoValidationError as error:
            raise_as_api_error(error)
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
        serializer = CaseWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lead_id = data.pop("lead", None)
        lead = None
        if lead_id is not None:
            lead = _scoped_or_400(leads_access.visible_leads(request.user), lead_id, "lead")
        try:
            case = case_library.case_write(by=request.user, lead=lead, **data)
        except DjangoValidationError as error:
            raise_as_api_error(error)
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
        try:
            comment = case_library.case_comment(
                case=case, body=serializer.validated_data["body"], by=request.user
            )
        except DjangoValidationError as error:
            raise_as_api_error(error)
        return Response(CaseCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CaseFeatureSerializer, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"])
    def feature(self, request, pk=None):
        case = self.get_object()
        serializer = CaseFeatureSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team_id = serializer.validated_data["team"]
        team = None
        if team_id is not None:
            team = _scoped_or_400(access.visible_teams(request.user), team_id, "team")
        try:
            case_library.case_feature(case=case, team=team, by=request.user)
        except DjangoValidationError as error:
            raise_as_api_error(error)
        return Response(CaseSerializer(self.get_queryset().get(pk=case.pk)).data)


def register(router) -> None:
    router.register("training/courses", CourseViewSet, basename="training-course")
    router.register("training/sessions", SessionViewSet, basename="training-session")
    router.register("training/materials", MaterialViewSet, basename="training-material")
    router.register("training/enrollments", EnrollmentViewSet, basename="training-enrollment")
    router.register(
        "training/promotion-levels", PromotionLevelViewSet, basename="training-promotion-level"
    )
    router.register(
        "training/promotion-proposals",
        PromotionProposalViewSet,
        basename="training-promotion-proposal",
    )
    router.register("training/call-scripts", CallScriptViewSet, basename="training-call-script")
    router.register("training/cases", CaseViewSet, basename="training-case")
