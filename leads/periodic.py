"""What beat runs for leads (collected by `crm.periodic`)."""

from crm.periodic import seconds

SCHEDULE = {
    "lead-assignment": {
        "task": "leads.tasks.assign_pending_leads",
        "schedule": seconds("ASSIGNMENT_SWEEP_SECONDS", 60),
    },
    "lead-reclaim": {
        "task": "leads.tasks.reclaim_sweep",
        "schedule": seconds("RECLAIM_SWEEP_SECONDS", 15 * 60),
    },
    "open-lead-counts": {
        "task": "leads.tasks.fold_open_lead_counts",
        "schedule": seconds("OPEN_LEAD_FOLD_SECONDS", 60),
    },
    "followup-reminders": {
        "task": "leads.tasks.followup_reminders_sweep",
        "schedule": seconds("REMINDER_SWEEP_SECONDS", 60),
    },
}
