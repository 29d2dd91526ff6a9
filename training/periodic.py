"""What beat runs for training (collected by `crm.periodic`): sessions in the next 24 h,
certificates expiring, new hires still onboarding."""

from crm.periodic import seconds

SCHEDULE = {
    "training-reminders": {
        "task": "training.tasks.training_reminders_sweep",
        "schedule": seconds("TRAINING_REMINDER_SWEEP_SECONDS", 3600),
    },
}
