"""Customers jobs. Thin and idempotent: they call a service and can run twice."""

from celery import shared_task

from .services import tiers


@shared_task(name="customers.tasks.tiers_recompute")
def tiers_recompute() -> int:
    """Every customer's RFM figures and tier (nightly, and after a tier changes)."""
    return tiers.tiers_recompute()
