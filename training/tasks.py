"""Training jobs. Thin and idempotent: a second run sends nothing twice."""

from celery import shared_task

from .services import reminders


@shared_task(name="training.tasks.training_reminders_sweep")
def training_reminders_sweep() -> dict:
    """Remind agents of sessions and expiring certificates, managers of slow onboarding."""
    return reminders.send_reminders()
