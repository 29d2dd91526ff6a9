"""Risk controls: the audit trail, phone reveals, exports, refused contacts, and the policy.

All of these are append-only records written by `risk.services` and `risk.audit`; the
product offers no way to change or delete them (the admin is read-only, the API has no
writes) but retention, after the periods administrators set (`RetentionPolicy`, run by
`risk.services.apply_retention`, reported in `RetentionRun`). `RiskPolicy` is the other
editable row: which roles see full phone numbers, which may export and how much.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import Role

User = settings.AUTH_USER_MODEL

POLICY_CACHE_KEY = "risk:policy:v1"


def _default_full_number_roles() -> list[str]:
    return [Role.ADMIN.value]


def _default_export_roles() -> list[str]:
    return [Role.TEAM_MANAGER.value, Role.DEPARTMENT_HEAD.value, Role.ADMIN.value]


class RiskPolicy(models.Model):
    """Center-wide risk settings (one row), editable by administrators."""

    full_number_roles = models.JSONField(
        _("roles that see full phone numbers"),
        default=_default_full_number_roles,
        blank=True,
        help_text=_('Role codes, e.g. ["admin"]; everyone else sees 139****0945.'),
    )
    export_roles = models.JSONField(
        _("roles that may export"),
        default=_default_export_roles,
        blank=True,
        help_text=_('Role codes, e.g. ["team_manager", "department_head", "admin"].'),
    )
    export_max_rows = models.PositiveIntegerField(_("maximum rows per export"), default=50_000)
    anomaly_factor = models.PositiveSmallIntegerField(
        _("anomaly: times the peers' median"), default=3
    )
    anomaly_floor = models.PositiveIntegerField(
        _("anomaly: at least this many in the period"), default=20
    )

    class Meta:
        verbose_name = _("risk policy")
        verbose_name_plural = _("risk policy")

    def __str__(self) -> str:
        return str(_("Risk policy"))

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        cache.delete(POLICY_CACHE_KEY)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        for name in ("full_number_roles", "export_roles"):
            value = getattr(self, name)
            if not isinstance(value, list) or any(role not in Role.values for role in value):
                raise ValidationError(
                    {name: _("A list of role codes: %(roles)s") % {"roles": ", ".join(Role.values)}}
                )

    @classmethod
    def current(cls) -> RiskPolicy:
        """The policy, from the cache (no query on a warm cache: lists call this per page)."""
        policy = cache.get(POLICY_CACHE_KEY)
        if policy is None:
            policy, _created = cls.objects.get_or_create(pk=1)
            cache.set(POLICY_CACHE_KEY, policy, cls.cache_seconds())
        return policy

    @staticmethod
    def cache_seconds() -> int:
        """A save deletes the shared copy (Redis: every process reads again at once). With a
        per-process cache (no Redis) the other processes' copies expire within
        `CONFIG_CACHE_SECONDS`, like the lead policy's (crm.config); 0 there keeps five
        minutes here, the saving process's copy being deleted all the same."""
        return getattr(settings, "CONFIG_CACHE_SECONDS", 10) or 300


class PhoneReveal(models.Model):
    """Someone saw or dialled a customer's full number (append-only)."""

    class Purpose(models.TextChoices):
        REVEAL = "reveal", _("Shown on screen")
        CLICK_TO_CALL = "click_to_call", _("Click to call")
        API = "api", _("Read through the API")

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phone_masked = models.CharField(_("phone"), max_length=32)
    purpose = models.CharField(_("how"), max_length=20, choices=Purpose.choices)
    reason = models.CharField(_("why"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("phone reveal")
        verbose_name_plural = _("phone reveals")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "at"], name="reveal_user_at"),
            models.Index(fields=["at"], name="reveal_at"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} {self.phone_masked}"


class ExportRecord(models.Model):
    """One export (download) with what it held (append-only)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("what"), max_length=50)
    query = models.JSONField(_("filters"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=10)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    truncated = models.BooleanField(_("cut at the cap"), default=False)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "at"], name="export_user_at"),
            models.Index(fields=["at"], name="export_at"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.row_count}"


class RiskEvent(models.Model):
    """A contact or capture the controls refused (append-only): what the dashboard counts."""

    class Kind(models.TextChoices):
        DNC_CAPTURE = "dnc_capture", _("Capture of a do-not-call number")
        DNC_CONTACT = "dnc_contact", _("Contact of a do-not-call number")
        OUTSIDE_WINDOW = "outside_window", _("Call outside calling hours")
        OVER_CAP = "over_cap", _("Call over the attempt cap")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phone_masked = models.CharField(_("phone"), max_length=32, blank=True)
    channel = models.CharField(
        _("where"), max_length=20, blank=True, help_text=_("page, api, import, inbound, cti")
    )
    count = models.PositiveIntegerField(_("how many"), default=1)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("refused contact")
        verbose_name_plural = _("refused contacts")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "at"], name="riskevent_kind_at")]
        constraints = [models.CheckConstraint(condition=Q(count__gte=1), name="riskevent_count")]

    def __str__(self) -> str:
        return f"{self.kind} {self.phone_masked}"


class AuditEntry(models.Model):
    """One create, change or delete of a tracked record, with before/after (append-only)."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        BULK = "bulk", _("Bulk change")
        # Sign-in security (two-factor enrolment, refused codes, resets): `record_security`.
        SECURITY = "security", _("Security event")

    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("who"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    model_label = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record id"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    request_id = models.CharField(_("request"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["model_label", "object_id", "at"], name="audit_record"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.model_label}#{self.object_id}"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field the entry records."""
        names = list(dict.fromkeys([*self.before, *self.after]))
        return [(name, self.before.get(name), self.after.get(name)) for name in names]


def phone_hash(e164: str) -> str:
    """The salted hash (HMAC-SHA256, key `DO_NOT_CALL_HASH_KEY`) a number is kept as on the
    do-not-call list once its person had their data erased: the list still refuses the
    number, and nobody can read it back. The key must never change (the hashes would stop
    matching)."""
    key = (getattr(settings, "DO_NOT_CALL_HASH_KEY", "") or settings.SECRET_KEY).encode()
    return hmac.new(key, e164.encode(), hashlib.sha256).hexdigest()


class DoNotCall(models.Model):
    """A number that must not be called (免打扰名单).

    Normally `phone` is the number. An entry whose person had their data erased
    (`privacy`) keeps only `phone_hash` (`phone` is then `#` and the start of the hash, so
    it stays unique and is no number); every check compares both (`risk.services`
    `is_do_not_call`, leads' `listed_numbers`).
    """

    class Source(models.TextChoices):
        ADMIN = "admin", _("Added by an administrator")
        IMPORT = "import", _("Imported list")
        CUSTOMER = "customer", _("Customer asked")
        REGULATOR = "regulator", _("Regulator list")

    phone = models.CharField(_("phone"), max_length=20, unique=True)
    reason = models.CharField(_("reason"), max_length=200)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.ADMIN
    )
    added_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    phone_hash = models.CharField(
        _("number hash"), max_length=64, blank=True, db_index=True, editable=False
    )

    class Meta:
        db_table = "leads_donotcall"  # where it was created, when leads kept the list
        verbose_name = _("do-not-call number")
        verbose_name_plural = _("do-not-call list")
        ordering = ["-added_at"]

    def __str__(self) -> str:
        return self.phone

    @property
    def is_hashed(self) -> bool:
        return bool(self.phone_hash) and self.phone.startswith(HASHED_PHONE_PREFIX)


#: How `DoNotCall.phone` starts once the number is kept only as its hash.
HASHED_PHONE_PREFIX = "#"


class RetentionPolicy(models.Model):
    """How long one kind of personal data is kept (PIPL), set by administrators.

    The kinds are the apps' retention hooks (`crm.retention.kinds()`); a kind without a row
    keeps its built-in period. `enabled` off keeps that kind for good."""

    kind = models.CharField(_("kind"), max_length=40, unique=True)
    days = models.PositiveIntegerField(
        _("kept for (days)"), validators=[MinValueValidator(1), MaxValueValidator(36500)]
    )
    enabled = models.BooleanField(_("purge after the period"), default=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(days__gte=1) & Q(days__lte=36500), name="retention_days_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.days}"


class RetentionRun(models.Model):
    """The report of one retention run (nightly, or by hand): what each kind removed."""

    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    dry_run = models.BooleanField(_("dry run (nothing removed)"), default=False)
    # kind -> {"days": n, "cutoff": iso, "count": n} (or {"skipped": true} when off)
    report = models.JSONField(_("report"), default=dict, blank=True)
    total = models.PositiveIntegerField(_("rows"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.total}"

    @property
    def counts(self) -> dict[str, int]:
        return {kind: entry.get("count", 0) for kind, entry in self.report.items()}
