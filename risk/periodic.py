"""What beat runs for risk (collected by `crm.periodic`): retention, once a night.

At `RETENTION_HOUR`:`RETENTION_MINUTE` in the center's time zone (default 03:30, when
nobody is calling); `apply_retention` is idempotent, so a missed or doubled night is safe.
"""

import os

from celery.schedules import crontab

SCHEDULE = {
    "retention": {
        "task": "risk.tasks.retention_apply",
        "schedule": crontab(
            hour=int(os.environ.get("RETENTION_HOUR") or 3),
            minute=int(os.environ.get("RETENTION_MINUTE") or 30),
        ),
    },
}
