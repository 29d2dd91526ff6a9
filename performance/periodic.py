"""What beat runs for performance (collected by `crm.periodic`)."""

from crm.periodic import seconds

SCHEDULE = {
    # This week's, month's and quarter's scorecards (last month's early on).
    "scorecards-recompute": {
        "task": "performance.tasks.recompute_current_scorecards",
        "schedule": seconds("SCORECARD_RECOMPUTE_SECONDS", 15 * 60),
    },
    # The channel report's daily table: recent days often, the last year each night.
    "channel-days-recent": {
        "task": "performance.tasks.recompute_channel_days",
        "schedule": seconds("CHANNEL_DAYS_SECONDS", 15 * 60),
    },
    "channel-days-full": {
        "task": "performance.tasks.recompute_channel_days",
        "schedule": seconds("CHANNEL_DAYS_FULL_SECONDS", 24 * 3600),
        "kwargs": {"days": 400},
    },
    # Coaches hear once of improvement plans past their due date.
    "improvement-overdue": {
        "task": "performance.tasks_people.improvement_overdue_sweep",
        "schedule": seconds("IMPROVEMENT_OVERDUE_SWEEP_SECONDS", 3600),
    },
}
