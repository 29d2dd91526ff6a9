"""What beat runs for customers (collected by `crm.periodic`): the tiers, once a night.

At `TIERS_HOUR`:`TIERS_MINUTE` in the center's time zone (default 02:30, before the
retention run); `tiers_recompute` is idempotent, so a missed or doubled night is safe.
"""

import os

from celery.schedules import crontab

SCHEDULE = {
    "customer-tiers": {
        "task": "customers.tasks.tiers_recompute",
        "schedule": crontab(
            hour=int(os.environ.get("TIERS_HOUR") or 2),
            minute=int(os.environ.get("TIERS_MINUTE") or 30),
        ),
    },
}
