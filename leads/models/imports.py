"""How leads arrive in bulk or from outside: import jobs and inbound API keys."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .leads import Campaign, Channel, LawfulBasis, Lead

User = settings.AUTH_USER_MODEL


class ImportJob(models.Model):
    """A bulk import of a CSV or Excel file, run by a worker; its report accounts for every row."""

    class Kind(models.TextChoices):
        LEADS = "leads", _("Leads")
        DNC = "dnc", _("Do-not-call numbers")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    kind = models.CharField(
        _("what is imported"),
        max_length=10,
        choices=Kind.choices,
        default=Kind.LEADS,
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.IMPORT
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The data basis its rows record, settled at upload (leads.models.basis).
    basis = models.CharField(
        _("lawful basis"), max_length=20, choices=LawfulBasis.choices, blank=True
    )
    notice = models.ForeignKey(
        "ConsentNotice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("notice"),
    )
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicates"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="lead_imports")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    processed_rows__gte=F("created_count")
                    + F("duplicate_count")
                    + F("rejected_count")
                )
                | Q(status="running"),
                name="import_counts_add_up",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class ImportRow(models.Model):
    """A row of an import that did not simply create a lead: a duplicate or a rejection."""

    class Outcome(models.TextChoices):
        DUPLICATE = "duplicate", _("Duplicate")
        REJECTED = "rejected", _("Rejected")

    # `import_row_once` (job, row number) serves every lookup by job.
    job = models.ForeignKey(
        ImportJob, on_delete=models.CASCADE, related_name="rows", db_index=False
    )
    row_number = models.PositiveIntegerField(_("row"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    field = models.CharField(_("field"), max_length=50, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["job", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="import_row_once"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.row_number} {self.outcome}"

    @property
    def field_label(self) -> str:
        """The field as the user's language names it ("phone" -> 电话); the API keeps the key."""
        from risk.models import DoNotCall

        for model in (Lead, DoNotCall):  # the fields of both kinds of import
            try:
                return str(model._meta.get_field(self.field).verbose_name)
            except FieldDoesNotExist:
                continue
        return self.field


class InboundKey(models.Model):
    """An API key for web forms and ad platforms posting leads (hashed, never shown again)."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, unique=True)
    key_hash = models.CharField(max_length=128)
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.WEB_FORM
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inbound API key")
        verbose_name_plural = _("inbound API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
