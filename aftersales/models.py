"""After-sales service (售后服务) and revisits (回访): what happens after an order is delivered.

- `ServiceTicket`: a customer's problem (question, complaint, repair, return) with a
  priority, a due time from the admin-editable `TicketSLA` of that priority, an assignee
  and an explicit state machine (`TICKET_MOVES`). Every move is a `TicketEvent`
  (append-only) with who, when, from, to and a note; `aftersales.services.tickets` is the
  only writer.
- `RevisitPlan` (admin-editable): "call the customer N days after delivery". When an order
  is delivered, one `Revisit` per active plan is scheduled (unique per order and plan, so
  scheduling twice creates nothing twice).
- `Revisit`: the call itself and its outcome: reached or not, satisfaction 1–5, feedback,
  follow-up actions. A complaint opens a ticket, a low score an `ImprovementItem`
  (持续改进), linked back.

Reminders are rows with a due time swept by beat (`aftersales.tasks.service_reminders_sweep`):
`reminded_at` marks what was already put in the assignee's notifications.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- service tickets ----------------------------------------------------------------------


class TicketType(models.TextChoices):
    QUESTION = "question", _("Question")
    COMPLAINT = "complaint", _("Complaint")
    REPAIR = "repair", _("Repair")
    RETURN = "return", _("Return")


class TicketPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


# The only legal moves of a ticket; `aftersales.services.tickets` refuses anything else.
TICKET_MOVES: dict[str, tuple[str, ...]] = {
    TicketStatus.OPEN: (TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED),
    TicketStatus.IN_PROGRESS: (TicketStatus.RESOLVED,),
    TicketStatus.RESOLVED: (TicketStatus.CLOSED, TicketStatus.REOPENED),
    TicketStatus.CLOSED: (TicketStatus.REOPENED,),
    TicketStatus.REOPENED: (TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED),
}

# Tickets someone still has to work on: these can be overdue and escalate.
ACTIVE_TICKET_STATUSES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.REOPENED)


class TicketSLA(models.Model):
    """How long a ticket of a priority may take to be resolved (admin-editable)."""

    priority = models.CharField(
        _("priority"), max_length=10, choices=TicketPriority.choices, unique=True
    )
    resolve_within_hours = models.PositiveIntegerField(_("resolve within (hours)"))

    class Meta:
        verbose_name = _("ticket SLA")
        verbose_name_plural = _("ticket SLAs")
        ordering = ["resolve_within_hours"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolve_within_hours__gte=1), name="ticket_sla_hours_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_priority_display()}: {self.resolve_within_hours} h"


class ServiceTicket(models.Model):
    """A customer's problem after the sale, worked until it is resolved and closed."""

    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="service_tickets",
    )
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_tickets",
    )
    # The team that handles it (the order's, else the customer's, else the opener's):
    # its manager is told when the ticket is overdue.
    team = models.ForeignKey(
        "crm.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_tickets",
    )
    type = models.CharField(_("type"), max_length=20, choices=TicketType.choices)
    priority = models.CharField(
        _("priority"), max_length=10, choices=TicketPriority.choices, default=TicketPriority.NORMAL
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_tickets",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    due_at = models.DateTimeField(_("due"))
    resolution = models.TextField(_("resolution notes"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service ticket")
        verbose_name_plural = _("service tickets")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="ticket_assignee_due"),
            models.Index(fields=["team", "status", "due_at"], name="ticket_team_due"),
            # The complaints indicator (performance.metrics) counts complaints by opening
            # time: today's tiles and a period's scorecards read a range of this index.
            models.Index(fields=["type", "opened_at"], name="ticket_type_opened"),
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["open", "in_progress", "reopened"]),
                name="ticket_active_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_at__gte=models.F("opened_at")), name="ticket_due_after_opened"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed"]) | Q(resolved_at__isnull=False),
                name="ticket_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="ticket_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_TICKET_STATUSES

    def is_overdue(self, now=None) -> bool:
        return self.is_active and self.due_at < (now or timezone.now())

    def allowed_moves(self) -> tuple[str, ...]:
        return TICKET_MOVES.get(self.status, ())


class TicketEvent(models.Model):
    """Append-only history of a ticket: opened, each move, reassignments, escalation."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        MOVED = "moved", _("Status changed")
        REASSIGNED = "reassigned", _("Reassigned")
        ESCALATED = "escalated", _("Escalated")
        NOTE = "note", _("Note")

    ticket = models.ForeignKey(ServiceTicket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, choices=TicketStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=TicketStatus.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["ticket", "-at"], name="ticket_event_recent")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.to_status}"


# --- revisits -----------------------------------------------------------------------------


class RevisitPlan(models.Model):
    """ "Call the customer N days after delivery" (admin-editable).

    A plan with a product category applies only to orders with a line of that category;
    a plan with a tier only to orders of customers in that tier (the `customers` app, above
    this one, keeps the tiers: named by string).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    days_after_delivery = models.PositiveSmallIntegerField(_("days after delivery"))
    product_category = models.CharField(
        _("product category"),
        max_length=100,
        blank=True,
        help_text=_("Only orders with a product of this category; empty for every order."),
    )
    tier = models.ForeignKey(
        "customers.Tier",
        verbose_name=_("customer tier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisit_plans",
        help_text=_("Only orders of customers in this tier; empty for every customer."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("revisit plan")
        verbose_name_plural = _("revisit plans")
        ordering = ["days_after_delivery", "name"]

    def __str__(self) -> str:
        return self.name


class RevisitStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")
    MISSED = "missed", _("Not reached")
    CANCELLED = "cancelled", _("Cancelled")


class Revisit(models.Model):
    """One revisit call (回访) of a delivered order, and what the customer said."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="revisits")
    lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="revisits"
    )
    plan = models.ForeignKey(
        RevisitPlan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisits",
    )
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisits",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RevisitStatus.choices, default=RevisitStatus.SCHEDULED
    )
    reached = models.BooleanField(_("customer reached"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    complaint = models.BooleanField(_("customer complains"), default=False)
    feedback = models.TextField(_("feedback"), blank=True)
    follow_up_actions = models.TextField(_("follow-up actions"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ticket = models.ForeignKey(
        ServiceTicket,
        verbose_name=_("ticket opened"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisits",
    )
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("revisit")
        verbose_name_plural = _("revisits")
        ordering = ["due_at", "id"]
        indexes = [
            # "My due revisits" and the reminder sweep.
            models.Index(fields=["assignee", "status", "due_at"], name="revisit_assignee_due"),
            models.Index(
                fields=["due_at"],
                condition=Q(status="scheduled", reminded_at__isnull=True),
                name="revisit_to_remind",
            ),
            # Overdue revisits per team, for the managers' summary.
            models.Index(
                fields=["due_at"], condition=Q(status="scheduled"), name="revisit_scheduled_due"
            ),
            models.Index(fields=["lead", "-due_at"], name="revisit_lead_recent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order", "plan"], name="revisit_once_per_plan"),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | (Q(satisfaction__gte=1) & Q(satisfaction__lte=5)),
                name="revisit_satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(reached=True) | Q(satisfaction__isnull=True),
                name="revisit_scored_only_if_reached",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(reached=True, satisfaction__isnull=False),
                name="revisit_done_is_reached_and_scored",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["done", "missed"], done_at__isnull=False)
                | (~Q(status__in=["done", "missed"]) & Q(done_at__isnull=True)),
                name="revisit_done_at_iff_done",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} @ {self.due_at:%Y-%m-%d}"

    def is_overdue(self, now=None) -> bool:
        return self.status == RevisitStatus.SCHEDULED and self.due_at < (now or timezone.now())


# --- continuous improvement ---------------------------------------------------------------


class ImprovementItem(models.Model):
    """Something to do better (持续改进): from a low revisit score, or noted by hand."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    class Source(models.TextChoices):
        REVISIT = "revisit", _("Revisit")
        MANUAL = "manual", _("Entered by hand")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.MANUAL
    )
    revisit = models.OneToOneField(
        Revisit,
        verbose_name=_("revisit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvement",
    )
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvements",
    )
    team = models.ForeignKey(
        "crm.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="improvements",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="improvements",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("improvement item")
        verbose_name_plural = _("improvement items")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "status"], name="improvement_team_status")]

    def __str__(self) -> str:
        return self.title


class SatisfactionPolicy(models.Model):
    """When a team's satisfaction counts as dropped (one row, edited by admins).

    A team whose average over its last `window` recorded revisits (with a score) falls
    below `threshold` has dropped: its manager and head hear it once, and again only after
    it came back to the threshold or above and fell again."""

    window = models.PositiveSmallIntegerField(
        _("revisits averaged"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text=_("The team's most recent recorded revisits with a score."),
    )
    threshold = models.DecimalField(
        _("alert below (1–5)"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("3.50"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("5"))],
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("satisfaction alert policy")
        verbose_name_plural = _("satisfaction alert policy")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gte=1) & Q(threshold__lte=5) & Q(window__gte=1),
                name="satisfaction_policy_ranges",
            )
        ]

    def __str__(self) -> str:
        return f"< {self.threshold} / {self.window}"

    @classmethod
    def current(cls) -> SatisfactionPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class SatisfactionDrop(models.Model):
    """A team's satisfaction fell below the policy's threshold: the alert, the revisits
    behind it, and when it recovered. At most one open (not recovered) drop per team."""

    team = models.ForeignKey(
        "crm.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="+"
    )
    average = models.DecimalField(_("average"), max_digits=4, decimal_places=2)
    threshold = models.DecimalField(_("threshold"), max_digits=3, decimal_places=2)
    revisit_ids = models.JSONField(_("revisits"), default=list)
    fired_at = models.DateTimeField(_("alerted at"), default=timezone.now)
    recovered_at = models.DateTimeField(_("recovered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("satisfaction drop")
        verbose_name_plural = _("satisfaction drops")
        ordering = ["-fired_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(recovered_at__isnull=True),
                name="satisfaction_drop_one_open_per_team",
            )
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.average} < {self.threshold}"
