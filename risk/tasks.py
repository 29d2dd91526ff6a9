"""Background jobs of the risk controls. Thin: they take plain values and call a service."""

from celery import shared_task

from . import services


@shared_task(name="risk.tasks.retention_apply")
def retention_apply(dry_run: bool = False) -> int:
    """Purge what is past its retention period (nightly). Idempotent: returns the run's id."""
    return services.apply_retention(dry_run=dry_run).pk
