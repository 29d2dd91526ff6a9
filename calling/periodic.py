"""What beat runs for the calling floor (collected by `crm.periodic`): wrap-ups that ran
out end in ready, idle agents go offline."""

from crm.periodic import seconds

SCHEDULE = {
    "calling-wrap-up-sweep": {
        "task": "calling.tasks.wrap_up_sweep",
        "schedule": seconds("CALLING_WRAP_UP_SWEEP_SECONDS", 5),
    },
    "calling-idle-sweep": {
        "task": "calling.tasks.idle_sweep",
        "schedule": seconds("CALLING_IDLE_SWEEP_SECONDS", 60),
    },
}
