"""Privacy jobs. Thin and idempotent: they call a service and can run twice."""

from celery import shared_task

from .services import reminders


@shared_task(name="privacy.tasks.request_reminders_sweep")
def request_reminders_sweep() -> int:
    """Admins hear of requests from people coming due and overdue (once a day each)."""
    return reminders.request_reminders_sweep()
