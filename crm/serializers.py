"""API shapes for the org. Writes go through `crm.services`, never `serializer.save()`."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from . import access
from .api import FastRowsMixin, ScopedRelatedField
from .models import (
    Department,
    LeaveReason,
    Member,
    MemberStatus,
    Notification,
    Role,
    Skill,
    Team,
    TeamMembership,
)


class DepartmentSerializer(FastRowsMixin, serializers.ModelSerializer):
    head_name = serializers.SerializerMethodField()

    class Meta:
        model = Department
        fields = [
            "id",
            "name",
            "kind",
            "parent",
            "head",
            "head_name",
            "path",
            "depth",
            "created_at",
        ]
        read_only_fields = ["path", "depth", "created_at"]

    def get_head_name(self, obj) -> str | None:
        return (obj.head.get_full_name() or obj.head.username) if obj.head else None


class TeamSerializer(FastRowsMixin, serializers.ModelSerializer):
    manager_name = serializers.SerializerMethodField()
    headcount = serializers.IntegerField(read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "department",
            "department_name",
            "manager",
            "manager_name",
            "target_size",
            "headcount",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_manager_name(self, obj) -> str | None:
        return (obj.manager.get_full_name() or obj.manager.username) if obj.manager else None


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "kind", "name"]


class MemberSerializer(FastRowsMixin, serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="display_name", read_only=True)
    # Not an EmailField: staff may have no email, and "" is not a valid `format: email`.
    email = serializers.CharField(source="user.email", read_only=True)
    team_name = serializers.CharField(
        source="team.name", read_only=True, default=None, allow_null=True
    )
    # Declared so the schema allows the blank reason of everyone who has not left.
    leave_reason = serializers.ChoiceField(
        choices=LeaveReason.choices, allow_blank=True, read_only=True
    )
    skills = SkillSerializer(many=True, read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "user",
            "username",
            "full_name",
            "email",
            "role",
            "team",
            "team_name",
            "employee_no",
            "extension",
            "hire_date",
            "status",
            "leave_date",
            "leave_reason",
            "skills",
            "daily_lead_capacity",
            "updated_at",
        ]
        read_only_fields = fields


class MemberCreateSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=128
    )
    full_name = serializers.CharField(max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    employee_no = serializers.CharField(max_length=30)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.AGENT)
    team = ScopedRelatedField(visibility=access.visible_teams, required=False, allow_null=True)
    status = serializers.ChoiceField(
        choices=[c for c in MemberStatus.choices if c[0] != MemberStatus.LEFT],
        default=MemberStatus.ONBOARDING,
    )
    hire_date = serializers.DateField(required=False)
    extension = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    daily_lead_capacity = serializers.IntegerField(min_value=0, max_value=1000, default=30)
    skills = serializers.PrimaryKeyRelatedField(
        queryset=Skill.objects.all(), many=True, required=False
    )


class MemberUpdateSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, required=False)
    email = serializers.EmailField(required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    employee_no = serializers.CharField(max_length=30, required=False)
    extension = serializers.CharField(max_length=20, required=False, allow_blank=True)
    hire_date = serializers.DateField(required=False)
    daily_lead_capacity = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    skills = serializers.PrimaryKeyRelatedField(
        queryset=Skill.objects.all(), many=True, required=False
    )
    confirm = serializers.BooleanField(
        required=False, help_text="Required (true) to change your own role."
    )


class MemberMoveSerializer(serializers.Serializer):
    team = ScopedRelatedField(visibility=access.visible_teams, allow_null=True)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    confirm = serializers.BooleanField(
        required=False, help_text="Required (true) to move yourself."
    )


class MemberStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MemberStatus.choices)
    leave_date = serializers.DateField(required=False, allow_null=True)
    leave_reason = serializers.ChoiceField(
        choices=LeaveReason.choices, required=False, allow_blank=True
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate(self, attrs):
        if attrs["status"] == MemberStatus.LEFT:
            if not attrs.get("leave_date"):
                raise serializers.ValidationError({"leave_date": _("A leave date is required.")})
            if not attrs.get("leave_reason"):
                raise serializers.ValidationError(
                    {"leave_reason": _("A leave reason is required.")}
                )
        return attrs


class TeamMembershipSerializer(FastRowsMixin, serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)
    member_name = serializers.CharField(source="member.display_name", read_only=True)

    class Meta:
        model = TeamMembership
        fields = [
            "id",
            "member",
            "member_name",
            "team",
            "team_name",
            "started_at",
            "ended_at",
            "reason",
        ]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    member = MemberSerializer(allow_null=True)


class NotificationSerializer(FastRowsMixin, serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


class NotificationsReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were unread and are read now.")
