"""Celery tasks of the calling floor: thin, idempotent, each calling one service."""

from celery import shared_task

from .services import states


@shared_task(name="calling.tasks.wrap_up_sweep")
def wrap_up_sweep() -> int:
    """End the wrap-ups that ran out (the agent is ready again)."""
    return states.wrap_up_sweep()


@shared_task(name="calling.tasks.idle_sweep")
def idle_sweep() -> int:
    """Agents idle past the timeout go offline."""
    return states.idle_sweep()
