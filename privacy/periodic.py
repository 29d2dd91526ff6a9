"""What beat runs for requests from people (collected by `crm.periodic`): the reminder
sweep. Hourly, so a day's reminders go out soon after midnight wherever beat started;
each request's reminder is sent once a day (its key names the day)."""

from crm.periodic import seconds

SCHEDULE = {
    "privacy-request-reminders": {
        "task": "privacy.tasks.request_reminders_sweep",
        "schedule": seconds("PRIVACY_REMINDER_SWEEP_SECONDS", 3600),
    },
}
