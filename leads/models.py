"""Leads: capture, screening, assignment, the public pool, follow-ups and calls.

A `Lead` is the customer as telesales knows them, one per normalized phone number (E.164):
a second capture of the same phone is recorded as another `LeadSource` on the same lead,
never as a second lead. Ownership moves only through `leads.services` and every move is an
append-only `Assignment` row, so "why did she get it" always has an answer.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
    team = models.ForeignKey(
        "crm.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    # Work rhythm.
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    next_followup_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    followup_count = models.PositiveIntegerField(_("follow-ups"), default=0)
    missed_calls = models.PositiveSmallIntegerField(_("unanswered calls in a row"), default=0)
    reclaim_warned_at = models.DateTimeField(null=True, blank=True)
    cooloff_until = models.DateTimeField(_("do not work before"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "status", "next_followup_at"], name="lead_worklist"),
            # An agent's leads, newest first: the lead list's first page reads 50 entries.
            models.Index(fields=["owner", "-created_at", "-id"], name="lead_owner_recent"),
            models.Index(
                fields=["owner", "status", "grade", "created_at"], name="lead_owner_grade"
            ),
            models.Index(fields=["team", "status"], name="lead_team_status"),
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
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    import_job = models.ForeignKey(
        "ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="sources"
    )
    is_duplicate = models.BooleanField(_("duplicate"), default=False)
    payload = models.JSONField(_("what was received"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.lead_id} via {self.channel}"


class ScoringRule(models.Model):
    """Points a lead earns; the sum gives its score and, by the thresholds, its grade."""

    class Kind(models.TextChoices):
        CHANNEL = "channel", _("Channel is")
        REGION = "region", _("Region contains")
        PRODUCT = "product", _("Product is")
        INTENT = "intent", _("Intent is")
        BUDGET_AT_LEAST = "budget_at_least", _("Budget at least")
        HAS_FIELD = "has_field", _("Field is filled in")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    value = models.CharField(
        _("value"),
        max_length=100,
        help_text=_("What to match, e.g. web_form, 上海, high, 10000, company"),
    )
    points = models.SmallIntegerField(
        _("points"), validators=[MinValueValidator(-100), MaxValueValidator(100)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        ordering = ["kind", "value"]

    def __str__(self) -> str:
        return f"{self.name} ({self.points:+d})"


class LeadPolicy(models.Model):
    """Center-wide lead rules (one row), editable by admins; teams may override reclaim."""

    default_team = models.ForeignKey(
        "crm.Team",
        verbose_name=_("default team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    grade_a_from = models.SmallIntegerField(_("grade A from score"), default=70)
    grade_b_from = models.SmallIntegerField(_("grade B from score"), default=45)
    grade_c_from = models.SmallIntegerField(_("grade C from score"), default=20)
    reclaim_after_days = models.PositiveSmallIntegerField(
        _("reclaim after days without follow-up"), default=7
    )
    pool_open_lead_cap = models.PositiveSmallIntegerField(
        _("open leads an agent may hold to claim"), default=200
    )
    pool_daily_claim_limit = models.PositiveSmallIntegerField(
        _("claims per agent per day"), default=20
    )
    claim_back_cooloff_days = models.PositiveSmallIntegerField(
        _("days before a released or lost lead may be claimed back"), default=7
    )
    on_leave_handover = models.CharField(
        _("when an agent goes on leave or leaves"),
        max_length=10,
        choices=[("reassign", _("Reassign by the rules")), ("pool", _("Return to the pool"))],
        default="reassign",
    )
    import_max_rows = models.PositiveIntegerField(_("maximum rows per import"), default=200_000)
    import_max_megabytes = models.PositiveSmallIntegerField(
        _("maximum import file size (MB)"), default=50
    )
    # Attempt caps (risk controls): phone attempts on one lead, counted in the center's
    # time zone (a day from midnight, a week from Monday). Empty: no cap.
    max_attempts_per_day = models.PositiveSmallIntegerField(
        _("phone attempts per lead per day"), null=True, blank=True
    )
    max_attempts_per_week = models.PositiveSmallIntegerField(
        _("phone attempts per lead per week"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("lead policy")
        verbose_name_plural = _("lead policy")

    def __str__(self) -> str:
        return str(_("Lead policy"))

    @classmethod
    def current(cls) -> LeadPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy

    @classmethod
    def cached(cls) -> LeadPolicy:
        """The policy for reading only, kept a few seconds per process (crm.config)."""
        from crm.config import cached

        return cached("leads.policy", cls.current)

    def grade_for(self, score: int) -> str:
        if score >= self.grade_a_from:
            return Grade.A
        if score >= self.grade_b_from:
            return Grade.B
        if score >= self.grade_c_from:
            return Grade.C
        return Grade.D


class CallingWindow(models.Model):
    """When customers may be called (calling hours): weekdays and a local time range.

    A lead is governed by the windows whose `region` its region contains; a lead no such
    window matches, by the default windows (blank region). With no window at all, calls
    are not limited by the clock. Times are read in the window's own time zone, so a
    center in Shanghai calling customers in Urumqi can keep to their local hours.
    """

    name = models.CharField(_("name"), max_length=100)
    weekdays = models.CharField(
        _("weekdays"),
        max_length=7,
        default="12345",
        help_text=_("ISO weekday digits: 1 = Monday … 7 = Sunday, e.g. 12345"),
    )
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))
    region = models.CharField(
        _("region contains"),
        max_length=100,
        blank=True,
        help_text=_("Empty: the default windows, for leads no regional window matches."),
    )
    timezone = models.CharField(_("time zone"), max_length=50, default="Asia/Shanghai")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("calling window")
        verbose_name_plural = _("calling windows")
        ordering = ["region", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="calling_window_order"),
            models.CheckConstraint(
                condition=Q(weekdays__regex=r"^[1-7]{1,7}$"), name="calling_window_weekdays"
            ),
        ]

    def __str__(self) -> str:
        where = self.region or str(_("default"))
        return f"{self.name} ({where} {self.start:%H:%M}–{self.end:%H:%M})"

    def clean(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from django.core.exceptions import ValidationError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationError({"timezone": _("Unknown time zone.")}) from error


class TeamLeadSettings(models.Model):
    """How a team hands out its leads."""

    class Strategy(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("Round-robin")
        LEAST_LOADED = "least_loaded", _("Least loaded")

    team = models.OneToOneField("crm.Team", on_delete=models.CASCADE, related_name="lead_settings")
    strategy = models.CharField(
        _("strategy"), max_length=20, choices=Strategy.choices, default=Strategy.LEAST_LOADED
    )
    reclaim_after_days = models.PositiveSmallIntegerField(
        _("reclaim after days (empty: center default)"), null=True, blank=True
    )
    last_assigned_to = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("team lead settings")
        verbose_name_plural = _("team lead settings")

    def __str__(self) -> str:
        return str(self.team)


class RoutingRule(models.Model):
    """Ordered rules sending a lead to a team; empty criteria match anything."""

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(pgettext_lazy("sort order", "order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    region = models.CharField(_("region contains"), max_length=100, blank=True)
    product = models.CharField(_("product is"), max_length=100, blank=True)
    channel = models.CharField(_("channel is"), max_length=20, choices=Channel.choices, blank=True)
    grades = models.CharField(
        _("grades"), max_length=4, blank=True, help_text=_("e.g. AB; empty: any grade")
    )
    team = models.ForeignKey(
        "crm.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="routing_rules"
    )
    match_agent_skills = models.BooleanField(_("prefer agents with a matching skill"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """Append-only: every change of a lead's owner or pool, with who, why and by what rule."""

    class Kind(models.TextChoices):
        AUTO = "auto", _("Assigned by the rules")
        MANUAL = "manual", _("Reassigned by a manager")
        CLAIM = "claim", _("Claimed from the pool")
        RELEASE = "release", _("Released to the pool")
        RECLAIM = "reclaim", _("Reclaimed for no follow-up")
        HANDOVER = "handover", _("Handed over (leave or departure)")
        RETURN = "return", _("Returned to the pool by a rule")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="assignments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    from_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "crm.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("why"), blank=True)
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-at", "-id"]
        indexes = [
            # Covering (PostgreSQL): a team's assignments of a period read from the index
            # alone (dashboards' funnel, contacted-within-24 h).
            models.Index(
                fields=["to_user", "at"], include=["lead"], name="assignment_to_user_cover"
            ),
            models.Index(fields=["from_user", "lead", "at"], name="assignment_from_user"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.kind} → {self.to_user_id}"


class FollowUpChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat")
    VISIT = "visit", _("Visit")


class Disposition(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    CALL_BACK = "call_back", _("Call back later")
    NOT_INTERESTED = "not_interested", _("Not interested")
    INTERESTED = "interested", _("Interested")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    DO_NOT_CALL = "do_not_call", _("Asked not to be called")


class DispositionRule(models.Model):
    """What happens after a follow-up with this disposition (admin-editable)."""

    disposition = models.CharField(
        _("disposition"), max_length=20, choices=Disposition.choices, unique=True
    )
    set_status = models.CharField(
        _("lead status becomes"), max_length=12, choices=LeadStatus.choices, blank=True
    )
    retry_after_minutes = models.PositiveIntegerField(
        _("schedule a retry after (minutes)"), null=True, blank=True
    )
    return_to_pool_after = models.PositiveSmallIntegerField(
        _("return to the pool after this many in a row"), null=True, blank=True
    )
    cooloff_days = models.PositiveSmallIntegerField(
        _("cool-off before it may be worked again (days)"), null=True, blank=True
    )
    requires_next_followup = models.BooleanField(_("next follow-up time required"), default=False)

    class Meta:
        verbose_name = _("disposition rule")
        verbose_name_plural = _("disposition rules")
        ordering = ["disposition"]

    def __str__(self) -> str:
        return self.get_disposition_display()


class FollowUp(models.Model):
    """One touch of a lead (跟进记录). Append-only."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="followups")
    agent = models.ForeignKey(User, on_delete=models.PROTECT, related_name="followups")
    channel = models.CharField(
        _("channel"), max_length=10, choices=FollowUpChannel.choices, default=FollowUpChannel.PHONE
    )
    disposition = models.CharField(_("disposition"), max_length=20, choices=Disposition.choices)
    notes = models.TextField(_("notes"), blank=True)
    product = models.CharField(_("product"), max_length=100, blank=True)
    budget = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    timeline = models.CharField(_("timeline"), max_length=100, blank=True)
    next_followup_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    call = models.OneToOneField(
        "Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="followup"
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "created_at"], name="followup_lead_at"),
            # Covering (PostgreSQL): an agent's follow-ups of a period, their leads and
            # outcomes, read from the index alone (funnel, scorecards).
            models.Index(
                fields=["agent", "created_at"],
                include=["lead", "disposition"],
                name="followup_agent_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.disposition} {self.created_at:%Y-%m-%d}"


class Call(models.Model):
    """A phone call, logged by the agent or posted by a phone system (CTI)."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")

    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    agent = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTBOUND
    )
    caller = models.CharField(_("caller"), max_length=32, blank=True)
    callee = models.CharField(_("callee"), max_length=32, blank=True)
    extension = models.CharField(_("extension"), max_length=20, blank=True)
    started_at = models.DateTimeField(_("started at"))
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), default=0)
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    external_id = models.CharField(_("phone system call id"), max_length=100, blank=True)
    source = models.CharField(
        _("source"), max_length=50, blank=True, help_text=_("e.g. asterisk, freeswitch, manual")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "started_at"], name="call_lead_at"),
            # Covering (PostgreSQL): an agent's calls of a period with lead and duration.
            models.Index(
                fields=["agent", "started_at"],
                include=["lead", "duration_seconds"],
                name="call_agent_cover",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="call_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.started_at:%Y-%m-%d %H:%M} {self.duration_seconds}s"


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

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
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
