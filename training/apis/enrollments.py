"""Enrollments: one member or a whole team, and the result (attendance, score)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm import access
from crm.api import ScopedRelatedField, ScopedViewSet
from training import access as training_access

from ..models import Enrollment
from ..services import enrollments
from .common import ReadOrRule, visible_members_with_user

# --- serializers --------------------------------------------------------------------------


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
    member = ScopedRelatedField(visibility=visible_members_with_user, help_text="A member id.")
    course = ScopedRelatedField(visibility=training_access.visible_courses)
    session = ScopedRelatedField(
        visibility=training_access.visible_training_sessions, required=False, allow_null=True
    )


class EnrollTeamSerializer(serializers.Serializer):
    team = ScopedRelatedField(visibility=access.visible_teams)
    course = ScopedRelatedField(visibility=training_access.visible_courses)
    session = ScopedRelatedField(
        visibility=training_access.visible_training_sessions, required=False, allow_null=True
    )


class EnrollmentResultSerializer(serializers.Serializer):
    attended = serializers.BooleanField(default=True)
    score = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)


# --- viewsets -----------------------------------------------------------------------------


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

    @extend_schema(
        request=EnrollSerializer,
        responses={201: EnrollmentSerializer, 200: EnrollmentSerializer},
        description="Enroll a member (managers: their team's). Enrolling again in the same "
        "course and session answers 200 with the existing enrollment.",
    )
    def create(self, request, *args, **kwargs):
        serializer = EnrollSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        enrollment, created = enrollments.enroll(
            member=data["member"],
            course=data["course"],
            session=data.get("session"),
            by=request.user,
        )
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
        serializer = EnrollTeamSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = enrollments.enroll_many(
            course=data["course"], session=data.get("session"), team=data["team"], by=request.user
        )
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
        enrollments.record_result(
            enrollment=enrollment, by=request.user, **serializer.validated_data
        )
        return Response(EnrollmentSerializer(self.get_queryset().get(pk=enrollment.pk)).data)
