"""The channel report's daily table: leads and sales per day, team, channel, campaign and
product of interest, kept by a job (`performance.services.channels.channel_days_refresh`)
so a report over a million leads sums a few thousand rows (README, "Channels")."""

from __future__ import annotations

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
