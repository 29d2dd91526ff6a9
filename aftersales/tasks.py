"""After-sales jobs. Thin and idempotent: they call a service and can run twice."""

from celery import shared_task

from .services import reminders, satisfaction


@shared_task(name="aftersales.tasks.service_reminders_sweep")
def service_reminders_sweep() -> dict:
    """Due revisits and tickets to their assignees; overdue ones to the managers."""
    return reminders.service_reminders_sweep()


@shared_task(name="aftersales.tasks.satisfaction_sweep")
def satisfaction_sweep() -> dict:
    """Every team's recent satisfaction against the policy (alerts once per drop)."""
    return satisfaction.satisfaction_sweep()
