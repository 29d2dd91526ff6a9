"""What beat runs for after-sales (collected by `crm.periodic`): due revisits and tickets to
their assignees, overdue ones to managers."""

from crm.periodic import seconds

SCHEDULE = {
    "service-reminders": {
        "task": "aftersales.tasks.service_reminders_sweep",
        "schedule": seconds("SERVICE_REMINDER_SWEEP_SECONDS", 5 * 60),
    },
    "satisfaction-sweep": {
        "task": "aftersales.tasks.satisfaction_sweep",
        "schedule": seconds("SATISFACTION_SWEEP_SECONDS", 30 * 60),
    },
}
