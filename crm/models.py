"""The organization: departments (a tree), teams, members and who was in which team when.

Everything that is measured per team over time (KPIs, turnover) reads `TeamMembership`,
never the member's current team, so moving an agent does not rewrite history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    TEAM_MANAGER = "team_manager", _("Team manager")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    INSPECTOR = "inspector", _("Quality inspector")
    ADMIN = "admin", _("Administrator")


class MemberStatus(models.TextChoices):
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    ON_LEAVE = "on_leave", _("On leave")
    LEFT = "left", _("Left")


class LeaveReason(models.TextChoices):
    RESIGNED = "resigned", _("Resigned")
    DISMISSED = "dismissed", _("Dismissed")
    CONTRACT_ENDED = "contract_ended", _("Contract ended")
    TRANSFERRED = "transferred", _("Transferred out")
    OTHER = "other", _("Other")


class Department(models.Model):
    """A node of the org tree: the center, a division (region, product, channel) or a function.

    `path` is a materialized path of ids ("/1/4/9/") so a head's whole subtree is one
    indexed prefix match; it is maintained by `crm.services`, never by hand.
    """

    class Kind(models.TextChoices):
        CENTER = "center", _("Center")
        REGION = "region", _("Regional division")
        PRODUCT = "product", _("Product division")
        CHANNEL = "channel", _("Channel division")
        FUNCTION = "function", _("Functional department")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.FUNCTION)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="department_unique_name"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="department_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """About a dozen agents under one customer manager (客户经理)."""

    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="teams"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    target_size = models.PositiveSmallIntegerField(_("target size"), default=12)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["department__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="team_unique_name"),
            models.UniqueConstraint(
                fields=["manager"],
                condition=Q(manager__isnull=False),
                name="team_one_team_per_manager",
            ),
            models.CheckConstraint(
                condition=Q(target_size__gte=1), name="team_target_size_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    """What an agent can sell or speak: assignment rules match leads against these."""

    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        REGION = "region", _("Region")
        LANGUAGE = "language", _("Language")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="skill_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class Member(models.Model):
    """The staff profile every user has: role, team, status and the facts HR needs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    employee_no = models.CharField(_("employee number"), max_length=30, unique=True)
    extension = models.CharField(_("phone extension"), max_length=20, blank=True)
    hire_date = models.DateField(_("hire date"), default=timezone.localdate)
    status = models.CharField(
        _("status"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.ONBOARDING
    )
    leave_date = models.DateField(_("leave date"), null=True, blank=True)
    leave_reason = models.CharField(
        _("leave reason"), max_length=20, choices=LeaveReason.choices, blank=True
    )
    leave_note = models.TextField(_("leave note"), blank=True)
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True)
    daily_lead_capacity = models.PositiveSmallIntegerField(_("daily lead capacity"), default=30)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["employee_no"]
        indexes = [models.Index(fields=["team", "status"], name="member_team_status")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status=MemberStatus.LEFT, leave_date__isnull=False)
                    | (~Q(status=MemberStatus.LEFT) & Q(leave_date__isnull=True))
                ),
                name="member_leave_date_iff_left",
            ),
            models.UniqueConstraint(
                fields=["extension"], condition=~Q(extension=""), name="member_unique_extension"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.employee_no})"

    @property
    def display_name(self) -> str:
        return self.user.get_full_name().strip() or self.user.get_username()

    @property
    def takes_leads(self) -> bool:
        """Only active agents who finished onboarding receive leads."""
        return self.role == Role.AGENT and self.status == MemberStatus.ACTIVE


class TeamMembershipQuerySet(models.QuerySet):
    def overlapping(self, start, end):
        """Memberships that were on at some moment of [start, end)."""
        return self.filter(started_at__lt=end).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=start)
        )


class TeamMembership(models.Model):
    """Who was in which team when, as half-open intervals [started_at, ended_at)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = TeamMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["member", "-started_at"]
        indexes = [models.Index(fields=["team", "started_at"], name="membership_team_start")]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(ended_at__isnull=True),
                name="membership_one_open_per_member",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="membership_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.team_id} from {self.started_at:%Y-%m-%d}"


class MemberEvent(models.Model):
    """Append-only history of a member: joined, moved, status and role changes."""

    class Kind(models.TextChoices):
        JOINED = "joined", _("Joined")
        MOVED = "moved", _("Moved to another team")
        STATUS = "status", _("Status changed")
        PROFILE = "profile", _("Profile changed")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("member event")
        verbose_name_plural = _("member events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.member_id} {self.at:%Y-%m-%d %H:%M}"


class HeadcountSnapshot(models.Model):
    """A team's headcount at the end of a day: the denominator of monthly attrition."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="headcounts")
    day = models.DateField()
    headcount = models.PositiveIntegerField(default=0)
    active = models.PositiveIntegerField(default=0)
    onboarding = models.PositiveIntegerField(default=0)
    on_leave = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("headcount snapshot")
        verbose_name_plural = _("headcount snapshots")
        ordering = ["-day", "team"]
        constraints = [
            models.UniqueConstraint(fields=["team", "day"], name="headcount_one_per_team_day")
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.day}: {self.headcount}"


class Notification(models.Model):
    """A message in a user's header: reminders, warnings, hand-overs.

    `key` names what it is about ("followup-due:123:2026-11-23T10:00"), so a job that runs
    twice sends nothing twice: (user, key) is unique.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30)
    key = models.CharField(max_length=150)
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at", "created_at"], name="notification_inbox")
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key")
        ]

    def __str__(self) -> str:
        return self.text


class ReplicaPolicy(models.Model):
    """How stale the read replica may be before dashboards and reports read the primary.

    One row (pk 1), admin-edited; read through `crm.config` like the other center-wide
    settings. Without a replica configured (`DATABASE_REPLICA_URL`) it has no effect.
    """

    max_lag_seconds = models.PositiveIntegerField(
        _("maximum replica lag (seconds)"),
        default=30,
        help_text=_(
            "Dashboards and reports read the replica while it is at most this far behind "
            "the primary; beyond it, or when it is down, they read the primary."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("read replica policy")
        verbose_name_plural = _("read replica policy")

    def __str__(self) -> str:
        return str(_("Read replica policy"))

    @classmethod
    def current(cls) -> ReplicaPolicy:
        # Always the primary: the router asks for this row while deciding where reads go.
        policy, _created = cls.objects.db_manager("default").get_or_create(pk=1)
        return policy
