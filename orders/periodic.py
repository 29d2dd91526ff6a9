"""What beat runs for orders (collected by `crm.periodic`): overdue installments to the
order's agent, and to the team's manager once they are long overdue."""

from crm.periodic import seconds

SCHEDULE = {
    "receivable-reminders": {
        "task": "orders.tasks.receivable_reminders_sweep",
        "schedule": seconds("RECEIVABLE_REMINDER_SWEEP_SECONDS", 60 * 60),
    },
}
