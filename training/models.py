"""Training and development (培训与发展): courses, sessions, materials, enrollments, the
onboarding gate's record, promotion levels and proposals, call scripts and the case library.

Invariants live in database constraints; state changes go through `training.services`,
which also write the append-only `TrainingEvent` history.
"""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CourseKind(models.TextChoices):
    ONBOARDING = "onboarding", _("Onboarding (岗前培训)")
    IN_SERVICE = "in_service", _("In-service (在职培训)")
    EXTERNAL = "external", _("External (外部培训)")


class Course(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=CourseKind.choices)
    title = models.CharField(_("title"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    required_for_onboarding = models.BooleanField(
        _("required for onboarding"),
        default=False,
        help_text=_("New hires take no leads until they have passed every such course."),
    )
    has_exam = models.BooleanField(_("has an exam"), default=False)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark"), null=True, blank=True)
    certificate_valid_months = models.PositiveSmallIntegerField(
        _("certificate valid for (months)"),
        null=True,
        blank=True,
        help_text=_("Empty: the certificate does not expire."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["kind", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(has_exam=False) | Q(pass_mark__isnull=False),
                name="course_exam_has_pass_mark",
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__isnull=True) | Q(pass_mark__lte=100),
                name="course_pass_mark_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(required_for_onboarding=False) | Q(kind=CourseKind.ONBOARDING),
                name="course_only_onboarding_required",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    """One sitting of a course: when, who teaches, where (a room or a meeting link)."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    trainer = models.CharField(_("trainer"), max_length=100)
    place = models.CharField(_("place"), max_length=200, blank=True)
    link = models.URLField(_("meeting link"), blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["starts_at"], name="training_session_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(link=""), name="session_has_place_or_link"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


def material_path(instance, filename: str) -> str:
    """A random name under MEDIA_ROOT/training/: nothing guessable, nothing from the user
    but the (checked) extension."""
    extension = os.path.splitext(filename)[1].lower()[:8]
    return f"training/{uuid.uuid4().hex}{extension}"


class Material(models.Model):
    """A file of a course. Served only to signed-in staff by `training.views.material_download`,
    never as public media."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="materials"
    )
    file = models.FileField(_("file"), upload_to=material_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=120)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["course", "original_name", "id"]

    def __str__(self) -> str:
        return self.original_name


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    ATTENDED = "attended", _("Attended")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    ABSENT = "absent", _("Absent")


# The allowed moves of an enrollment (one service each in `training.services`).
ENROLLMENT_MOVES: dict[str, set[str]] = {
    EnrollmentStatus.ENROLLED: {
        EnrollmentStatus.ATTENDED,
        EnrollmentStatus.ABSENT,
        EnrollmentStatus.PASSED,
        EnrollmentStatus.FAILED,
    },
    EnrollmentStatus.ABSENT: {
        EnrollmentStatus.ATTENDED,
        EnrollmentStatus.PASSED,
        EnrollmentStatus.FAILED,
    },
    EnrollmentStatus.ATTENDED: {EnrollmentStatus.PASSED, EnrollmentStatus.FAILED},
    # A failed exam may be retaken.
    EnrollmentStatus.FAILED: {EnrollmentStatus.PASSED, EnrollmentStatus.FAILED},
    EnrollmentStatus.PASSED: set(),
}


class Enrollment(models.Model):
    member = models.ForeignKey(
        "crm.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="enrollments"
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrolled_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.ENROLLED,
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    certificate_expires_on = models.DateField(_("certificate expires on"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-enrolled_at", "-id"]
        indexes = [
            models.Index(fields=["member", "status"], name="enrollment_member_status"),
            models.Index(fields=["certificate_expires_on"], name="enrollment_cert_expiry"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "course", "session"], name="enrollment_once_per_session"
            ),
            # NULLs are distinct in a unique index: a second constraint for "no session".
            models.UniqueConstraint(
                fields=["member", "course"],
                condition=Q(session__isnull=True),
                name="enrollment_once_without_session",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100), name="enrollment_score_range"
            ),
            models.CheckConstraint(
                condition=Q(status=EnrollmentStatus.PASSED, completed_on__isnull=False)
                | ~Q(status=EnrollmentStatus.PASSED),
                name="enrollment_passed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.course_id} · {self.status}"


class TrainingEvent(models.Model):
    """Append-only history: enrollments, results, activations (with who approved them) and
    promotions."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        RESULT = "result", _("Result recorded")
        ACTIVATED = "activated", _("Activated after onboarding")
        PROPOSED = "proposed", _("Promotion proposed")
        APPROVED = "approved", _("Promotion approved")
        REJECTED = "rejected", _("Promotion rejected")

    member = models.ForeignKey(
        "crm.Member", on_delete=models.CASCADE, related_name="training_events"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("training event")
        verbose_name_plural = _("training events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.member_id} {self.at:%Y-%m-%d %H:%M}"


# --- promotion paths (晋升通道) --------------------------------------------------------------


class PromotionLevel(models.Model):
    """A rung of the career ladder, with what it takes to reach it."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True)
    description = models.TextField(_("description"), blank=True)
    min_tenure_months = models.PositiveSmallIntegerField(_("minimum tenure (months)"), default=0)
    required_courses = models.ManyToManyField(
        Course, verbose_name=_("required courses"), blank=True, related_name="+"
    )
    # Scorecard thresholds for the KPI issue to read, e.g. {"conversion_rate": 0.08}.
    scorecard_thresholds = models.JSONField(_("scorecard thresholds"), default=dict, blank=True)

    class Meta:
        verbose_name = _("promotion level")
        verbose_name_plural = _("promotion levels")
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from .services.promotions import check_thresholds

        check_thresholds(thresholds=self.scorecard_thresholds)


class MemberLevel(models.Model):
    """The level a member holds now (a training record, not a field of crm.Member)."""

    member = models.OneToOneField(
        "crm.Member", on_delete=models.CASCADE, related_name="training_level"
    )
    level = models.ForeignKey(PromotionLevel, on_delete=models.PROTECT, related_name="holders")
    since = models.DateField(default=timezone.localdate)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("member level")
        verbose_name_plural = _("member levels")

    def __str__(self) -> str:
        return f"{self.member_id}: {self.level}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PromotionProposal(models.Model):
    member = models.ForeignKey(
        "crm.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="proposals"
    )
    from_level = models.ForeignKey(
        PromotionLevel,
        verbose_name=_("from level"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_level = models.ForeignKey(
        PromotionLevel, verbose_name=_("to level"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reasons = models.TextField(_("reasons"))
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("promotion proposal")
        verbose_name_plural = _("promotion proposals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="proposed"),
                name="proposal_one_open_per_member",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed") | Q(decided_at__isnull=False),
                name="proposal_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.to_level_id} ({self.status})"


# --- call scripts (话术) ---------------------------------------------------------------------


class ScriptStage(models.TextChoices):
    OPENING = "opening", _("Opening")
    NEEDS_ANALYSIS = "needs_analysis", _("Needs analysis")
    OBJECTION_HANDLING = "objection_handling", _("Objection handling")
    CLOSING = "closing", _("Closing")


class CallScript(models.Model):
    """One published version of the script for a product and stage. Published versions
    are never edited: a change is a new version
    (`training.services.call_scripts.script_publish`)."""

    product = models.CharField(
        _("product"),
        max_length=100,
        blank=True,
        help_text=_("As written on leads; empty for the general script."),
    )
    stage = models.CharField(_("stage"), max_length=30, choices=ScriptStage.choices)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("script"))
    active = models.BooleanField(_("active"), default=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("call script")
        verbose_name_plural = _("call scripts")
        ordering = ["product", "stage", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "stage", "version"], name="script_unique_version"
            ),
            models.UniqueConstraint(
                fields=["product", "stage"],
                condition=Q(active=True),
                name="script_one_active_per_stage",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product or '—'} · {self.get_stage_display()} v{self.version}"


# --- case library (案例分享与经验总结) ------------------------------------------------------------


class CaseOutcome(models.TextChoices):
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class CaseTag(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("case tag")
        verbose_name_plural = _("case tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    title = models.CharField(_("title"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=10, choices=CaseOutcome.choices)
    body = models.TextField(_("what happened"))
    lessons = models.TextField(_("lessons"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="training_cases",
    )
    tags = models.ManyToManyField(CaseTag, verbose_name=_("tags"), blank=True, related_name="cases")
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    featured_for_team = models.ForeignKey(
        "crm.Team",
        verbose_name=_("featured for team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    featured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CaseComment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]
