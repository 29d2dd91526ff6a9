"""What a campaign cost (推广费用), entered by admins per month: the cost side of the
channel and campaign effectiveness report (`performance.selectors.channels`)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .leads import Campaign


class CampaignCost(models.Model):
    """A campaign's spend in one month (`month` is the first day of it). A report over
    part of a month counts the part of the amount its days cover."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="costs"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("campaign cost")
        verbose_name_plural = _("campaign costs")
        ordering = ["-month", "campaign"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "month"], name="campaign_cost_once_a_month"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="campaign_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.month:%Y-%m} {self.amount}"

    def save(self, *args, **kwargs):
        if self.month is not None:
            self.month = self.month.replace(day=1)  # a month is its first day
        super().save(*args, **kwargs)
