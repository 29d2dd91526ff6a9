"""The channel report's daily table: leads and sales per day, team, channel, campaign and
product of interest, kept by a job (`performance.services.channels.channel_days_refresh`)
so a report over a million leads sums a few thousand rows (README, "Channels")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .scorecards import MONEY


class ChannelDay(models.Model):
    """One day's figures of one (team, channel, campaign, product) cohort.

    Leads are counted on the day they were created (and whether they have been contacted
    or won by the last refresh); orders and revenue on the day of the sales entry (net of
    cancellations and refunds), both for the lead's channel, campaign and product."""

    day = models.DateField(_("day"))
    team = models.ForeignKey(
        "crm.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=20)
    campaign = models.ForeignKey(
        "leads.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    product = models.CharField(_("product of interest"), max_length=100, blank=True)
    leads = models.PositiveIntegerField(default=0)
    contacted = models.PositiveIntegerField(default=0)
    won = models.PositiveIntegerField(default=0)
    orders = models.IntegerField(default=0)
    revenue = models.DecimalField(**MONEY, default=0)

    class Meta:
        verbose_name = _("channel day")
        verbose_name_plural = _("channel days")
        indexes = [
            models.Index(
                fields=["day"],
                include=("team", "channel", "campaign", "leads", "orders", "revenue"),
                name="channel_day_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.campaign_id} {self.product}"


class ProductTarget(models.Model):
    """A team's sales target for one product in one month (`month`: its first day), set by
    admins and by heads for the teams of their subtree. Shown on the team's scorecards
    against what the team sold of the product (order lines of orders confirmed in the
    period and not cancelled or refunded)."""

    team = models.ForeignKey(
        "crm.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="+"
    )
    product = models.ForeignKey(
        "orders.Product", verbose_name=_("product"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"))
    amount = models.DecimalField(_("sales target"), **MONEY)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("product sales target")
        verbose_name_plural = _("product sales targets")
        ordering = ["-month", "team", "product"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "product", "month"], name="product_target_once_a_month"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="product_target_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.product_id} {self.month:%Y-%m} {self.amount}"
