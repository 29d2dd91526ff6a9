"""People jobs (reviews, incentives, improvement plans). Thin and idempotent.

Registered with Celery by `crm.celery` (this module is not an app's `tasks.py`)."""

from celery import shared_task

from .services import improvement


@shared_task(name="performance.tasks_people.improvement_overdue_sweep")
def improvement_overdue_sweep() -> int:
    """Remind coaches, once per plan, of open improvement plans past their due date."""
    return improvement.improvement_overdue_remind()
