"""Courses, their sessions and their materials (uploads checked by content)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from crm.api import ScopedRelatedField, ScopedViewSet
from training import access as training_access

from ..models import Course, Material, Session
from ..services import catalog
from ..uploads import allowed_extensions
from .common import ReadOrRule

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
    course = ScopedRelatedField(visibility=training_access.visible_courses)

    class Meta:
        model = Session
        fields = ["id", "course", "starts_at", "ends_at", "trainer", "place", "link"]


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
    course = ScopedRelatedField(visibility=training_access.visible_courses)
    file = serializers.FileField(
        help_text=f"Allowed: {allowed_extensions()}; the content must match the extension."
    )


# --- viewsets -----------------------------------------------------------------------------


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
        serializer.instance = catalog.course_save(course=Course(**serializer.validated_data))

    def perform_update(self, serializer):
        course = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(course, name, value)
        serializer.instance = catalog.course_save(course=course)


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
        serializer.instance = catalog.session_save(session=Session(**serializer.validated_data))

    def perform_update(self, serializer):
        session = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(session, name, value)
        serializer.instance = catalog.session_save(session=session)


@extend_schema(tags=["training"])
class MaterialViewSet(ScopedViewSet):
    """Course files. Download them from `download_url` (signed-in staff only)."""

    visibility = training_access.visible_materials
    permission_classes = [ReadOrRule]
    write_rule = staticmethod(training_access.can_configure_training)
    serializer_class = MaterialSerializer
    parser_classes = [MultiPartParser]  # an upload; every other body is JSON
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
        serializer = MaterialUploadSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        material = catalog.material_upload(
            course=data["course"], upload=data["file"], by=request.user
        )
        return Response(MaterialSerializer(material).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        catalog.material_delete(material=instance)
