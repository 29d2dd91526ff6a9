"""Orders jobs. Thin and idempotent: they call a service and can run twice."""

from celery import shared_task

from .services import receivable_reminders


@shared_task(name="orders.tasks.receivable_reminders_sweep")
def receivable_reminders_sweep() -> dict:
    """Overdue installments to their agents; long overdue ones to the managers."""
    return receivable_reminders.receivable_reminders_sweep()
