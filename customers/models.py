"""Customers: the person or company behind one or more leads, with their contacts, their
tier after the sale (RFM) and the record of every merge.

A lead stays the unit of work (one per phone number, `leads.Lead`); the customer groups
the leads of one buyer over time through `Lead.customer` (a nullable foreign key named by
string, so `leads` imports nothing from here). Orders, tickets and revisits belong to the
customer through their lead: moving a lead moves them with it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import phones

User = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class Tier(models.Model):
    """A named level after the sale (VIP, regular, …) with its RFM thresholds.

    A customer gets the first active tier, by `priority`, whose three conditions all hold:
    a sold order within `within_days` days (empty: any time, or none), at least
    `min_orders` sold orders and at least `min_money` sold in total. None that holds: no
    tier. Recomputed nightly (`customers.services.tiers.tiers_recompute`).
    """

    name = models.CharField(_("name"), max_length=60, unique=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Checked from the lowest number up.")
    )
    within_days = models.PositiveIntegerField(
        _("last order within (days)"),
        null=True,
        blank=True,
        help_text=_("Recency: empty for no limit."),
    )
    min_orders = models.PositiveIntegerField(_("at least this many orders"), default=0)
    min_money = models.DecimalField(
        _("at least this much bought"),
        **MONEY,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("customer tier")
        verbose_name_plural = _("customer tiers")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(min_money__gte=0), name="tier_money_not_negative")
        ]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    kind = models.CharField(
        _("kind"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    # Scoped like leads: the owner (the agent who first won the customer) and their team.
    owner = models.ForeignKey(
        User,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
    )
    team = models.ForeignKey(
        "crm.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
    )
    notes = models.TextField(_("notes"), blank=True)
    # The lead the customer was made from (when it was first won).
    origin_lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("first won lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # RFM, written only by the recompute. No index on the tier: the nightly UPDATE then
    # touches no indexed column, so rows are rewritten in place (HOT, with the table's
    # fillfactor of 80 set in migration 0003) instead of adding entries to every index.
    tier = models.ForeignKey(
        Tier,
        verbose_name=_("tier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        db_index=False,
    )
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    money_total = models.DecimalField(_("bought in total"), **MONEY, default=ZERO)
    # A customer merged into another is kept (hidden) so that the merge can be undone.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at", "-id"], name="customer_owner_recent"),
            models.Index(fields=["team", "-created_at", "-id"], name="customer_team_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["origin_lead"],
                condition=Q(origin_lead__isnull=False),
                name="customer_one_per_origin_lead",
            )
        ]

    def __str__(self) -> str:
        return self.name or self.company or f"#{self.pk}"

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat")


class Contact(models.Model):
    """One way to reach a customer: a phone (E.164), an email (lower case) or a WeChat id."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ContactKind.choices)
    value = models.CharField(_("value"), max_length=254)
    label = models.CharField(_("label"), max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["kind", "id"]
        constraints = [
            # Also the index of a customer's contacts (customer first).
            models.UniqueConstraint(
                fields=["customer", "kind", "value"], name="contact_once_per_customer"
            )
        ]
        indexes = [
            # Search by phone, email or WeChat id: one index probe.
            models.Index(fields=["value", "kind"], name="contact_value"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"

    @property
    def masked(self) -> str:
        return phones.mask(self.value) if self.kind == ContactKind.PHONE else self.value


class Merge(models.Model):
    """Append-only record of one merge: `loser` into `winner`, who, when, what moved (ids
    per kind) and the winner's field values before and after; `undone_*` once undone."""

    winner = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="merges_won", verbose_name=_("kept")
    )
    loser = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="merges_lost",
        verbose_name=_("merged in"),
    )
    by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    #: {"leads": [ids], "contacts": [ids], "orders": [ids], "tickets": [ids], "revisits": [ids]}
    moved = models.JSONField(_("moved"), default=dict)
    #: {"field": {"before": winner's value, "after": the chosen value}}
    fields = models.JSONField(_("fields chosen"), default=dict)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.loser_id} → {self.winner_id}"
