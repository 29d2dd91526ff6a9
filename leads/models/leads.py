"""Leads: the customer being worked, its status moves and where it came from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Right
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import phones

User = settings.AUTH_USER_MODEL


class Channel(models.TextChoices):
    MANUAL = "manual", _("Manual entry")
    IMPORT = "import", _("File import")
    WEB_FORM = "web_form", _("Web form")
    ADVERTISING = "advertising", _("Advertising")
    SOCIAL = "social", _("Social media")
    REFERRAL = "referral", _("Referral")
    MARKET_LIST = "market_list", _("Market research list")
    INBOUND_CALL = "inbound_call", _("Inbound call")


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    INTERESTED = "interested", _("Interested")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    INVALID = "invalid", _("Invalid")


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.INTERESTED)


class Intent(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class LawfulBasis(models.TextChoices):
    """The PIPL art. 13 bases a telesales center relies on."""

    CONSENT = "consent", _("consent of the person")
    CONTRACT = "contract", _("needed for a contract with the person")
    PUBLIC = "public", _("information the person made public")


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Lead(models.Model):
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(
        _("phone"), max_length=20, unique=True, help_text=_("E.164, e.g. +8613800138000")
    )
    is_mobile = models.BooleanField(_("mobile"), default=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    # Region, product and grade have no index of their own: region is searched with
    # "contains" (no b-tree helps), grade is in the composite indexes below, and each
    # extra index on this million-row table slows every import and assignment.
    region = models.CharField(_("region"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # What the customer wants (needs analysis, 需求分析).
    product = models.CharField(_("product of interest"), max_length=100, blank=True)
    budget = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    intent = models.CharField(
        _("intent"), max_length=10, choices=Intent.choices, default=Intent.UNKNOWN
    )
    timeline = models.CharField(_("timeline"), max_length=100, blank=True)
    # Where it came from first; every capture is also a LeadSource.
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.MANUAL
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    # Screening (线索筛选).
    score = models.SmallIntegerField(_("score"), default=0)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, default=Grade.D)
    score_details = models.JSONField(_("score details"), default=list, blank=True)
    # Pipeline state.
    status = models.CharField(
        _("status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    closed_reason = models.CharField(_("closed reason"), max_length=200, blank=True)
    # Ownership: an owner, or none (in the pool: of `team` if set, else the center's).
    owner = models.ForeignKey(
        User,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_leads",
        db_index=False,  # lead_owner_recent leads with the owner and also serves the FK
    )
    # No index of its own: `lead_team_status` (team, status) serves every team lookup, and
    # each index more is written on every assignment and import.
    team = models.ForeignKey(
        "crm.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        db_index=False,
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    # Work rhythm.
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    next_followup_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    followup_count = models.PositiveIntegerField(_("follow-ups"), default=0)
    missed_calls = models.PositiveSmallIntegerField(_("unanswered calls in a row"), default=0)
    reclaim_warned_at = models.DateTimeField(null=True, blank=True)
    cooloff_until = models.DateTimeField(_("do not work before"), null=True, blank=True)
    # No index: nothing looks leads up by who entered them, users are deactivated rather
    # than deleted, and each index more is written on every import.
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The customer (person or company) this lead is one of: the `customers` app, above
    # this one, sets it when the lead is won or captured with a customer's number or email.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        db_index=False,  # lead_customer: only the leads that have one
    )

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "status", "next_followup_at"], name="lead_worklist"),
            # Conversion per agent over a span: leads assigned in it and how many are won.
            models.Index(
                fields=["owner", "assigned_at"],
                include=("status",),
                name="lead_owner_assigned_cover",
            ),
            # An agent's leads, newest first: the lead list's first page reads 50 entries.
            models.Index(fields=["owner", "-created_at", "-id"], name="lead_owner_recent"),
            models.Index(
                fields=["owner", "status", "grade", "created_at"], name="lead_owner_grade"
            ),
            models.Index(fields=["team", "status"], name="lead_team_status"),
            # Searching by the last four digits a masked number shows (`5635`): an
            # equality probe instead of a scan of the caller's whole scope.
            models.Index(Right("phone", 4), name="lead_phone_last_four"),
            # The public pool (leads.selectors.pool): one team's pool in page order, and
            # everyone's in page order for a pool that mixes the center's with a team's.
            # Both hold only what the pool shows, so counting a pool reads the index alone.
            models.Index(
                fields=["team", "grade", "-created_at", "-id"],
                name="lead_pool_team",
                condition=Q(owner__isnull=True, status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["grade", "-created_at", "-id", "team"],
                name="lead_pool_order",
                condition=Q(owner__isnull=True, status__in=OPEN_STATUSES),
            ),
            models.Index(fields=["status", "last_contact_at"], name="lead_reclaim"),
            # Open leads with a follow-up time, per owner: a team's overdue follow-ups are
            # counted from these entries, which an owner's key keeps in table order, so the
            # visibility checks stay on one map page instead of hopping between them per
            # lead (the (owner, status, next follow-up) range read 2,700 buffers for 4,300).
            models.Index(
                fields=["owner"],
                include=("next_followup_at",),
                name="lead_owner_open_due",
                condition=Q(status__in=OPEN_STATUSES, next_followup_at__isnull=False),
            ),
            # A customer's leads (the customer page, merges, the tier recompute).
            models.Index(
                fields=["customer"], name="lead_customer", condition=Q(customer__isnull=False)
            ),
            # The reminder sweep: follow-ups coming due across all owners, by time.
            models.Index(
                fields=["next_followup_at"],
                name="lead_followup_due",
                condition=Q(next_followup_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=-1000) & Q(score__lte=1000), name="lead_score_range"
            ),
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | Q(assigned_at__isnull=False),
                name="lead_owned_has_assigned_at",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.phone

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None and self.is_open

    @property
    def phone_masked(self) -> str:
        """`139****0945`: what lists show; the full number is on the lead page."""
        return phones.mask(self.phone)

    @property
    def phone_display(self) -> str:
        """The national form an agent dials (`138 0013 8000`)."""
        return phones.display(self.phone)


#: Fields a lead's timeline does not show as edits (the audit trail keeps them for admins):
#: the status and why it closed (shown by the `LeadEvent` of each move), the owner, team
#: and assignment time (shown by the `Assignment` of each move), and what is computed or
#: counted rather than entered: the score and grade, the work-rhythm counters and clocks,
#: the mobile flag derived from the number, timestamps. An edit of only these shows nothing.
TIMELINE_HIDDEN_FIELDS = frozenset(
    {
        "status",
        "closed_reason",
        "owner",
        "team",
        "assigned_at",
        "score",
        "grade",
        "score_details",
        "is_mobile",
        "last_contact_at",
        "followup_count",
        "missed_calls",
        "reclaim_warned_at",
        "created_by",
        "created_at",
        "updated_at",
        "customer",
    }
)


class LeadEvent(models.Model):
    """Append-only: every move of a lead's status, with who, why and what made it.

    Written only by `leads.services.moves` (`lead_move`, `lead_move_many`), along the
    table in `leads.states`; the lead's timeline reads it.
    """

    class Source(models.TextChoices):
        DISPOSITION = "disposition", _("Follow-up outcome")
        ORDER = "order", _("Order taken")
        DO_NOT_CALL = "do_not_call", _("Do-not-call list")
        POOL_RELEASE = "pool_release", _("Released to the pool")
        RECLAIM = "reclaim", _("Reclaimed for no follow-up")
        IMPORT = "import", _("File import")
        ASSIGNMENT = "assignment", _("Assignment")

    lead = models.ForeignKey(
        Lead,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,  # leadevent_lead_at leads with the lead and also serves the FK
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        User,
        verbose_name=_("moved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(_("old status"), max_length=12, choices=LeadStatus.choices)
    to_status = models.CharField(_("new status"), max_length=12, choices=LeadStatus.choices)
    why = models.TextField(_("why"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)

    class Meta:
        verbose_name = _("lead status change")
        verbose_name_plural = _("lead status changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["lead", "at"], name="leadevent_lead_at")]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.from_status} → {self.to_status}"


class LeadSource(models.Model):
    """One capture of a lead: the first and every duplicate after it, with its origin."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="sources")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # Campaign and creator have no index: nothing looks captures up by them, campaigns and
    # users are deactivated rather than deleted, and an import writes a row per file row.
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    import_job = models.ForeignKey(
        "ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="sources"
    )
    is_duplicate = models.BooleanField(_("duplicate"), default=False)
    payload = models.JSONField(_("what was received"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # The data basis (leads.models.basis): empty on captures recorded before it was kept.
    basis = models.CharField(
        _("lawful basis"), max_length=20, choices=LawfulBasis.choices, blank=True
    )
    notice = models.ForeignKey(
        "ConsentNotice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sources",
        verbose_name=_("notice"),
    )
    consented_at = models.DateTimeField(
        _("consent given at"),
        null=True,
        blank=True,
        help_text=_("When the person agreed or was shown the notice, if the sender says so."),
    )

    class Meta:
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.lead_id} via {self.channel}"
