"""Performance jobs. Thin and idempotent: they call a service and can run twice.

Both recompute tasks go to the slow queue (CELERY_SLOW_TASKS names `performance.tasks.
recompute*`), so a long recompute never holds up reminders.
"""

from celery import shared_task

from .periods import parse_period
from .services import channels, scorecards


@shared_task(name="performance.tasks.recompute_current_scorecards")
def recompute_current_scorecards() -> dict:
    """This week, month and quarter (and last month early in a month), for everyone."""
    return {
        str(period): scorecards.recompute_scorecards(period=period)
        for period in scorecards.current_periods()
    }


@shared_task(name="performance.tasks.recompute_scorecards_task")
def recompute_scorecards_task(kind: str, start: str) -> dict:
    """One period's scorecards on demand ("Recompute now", the API's recompute action)."""
    return scorecards.recompute_scorecards(period=parse_period(kind, start))


@shared_task(name="performance.tasks.recompute_channel_days")
def recompute_channel_days(days: int = channels.RECENT_DAYS) -> int:
    """The channel report's daily table over the last `days` days (slow queue)."""
    return channels.channel_days_refresh_recent(days=days)
