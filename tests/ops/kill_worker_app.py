"""`celery -A tests.ops.kill_worker_app worker`: the project's Celery app, in small steps.

Smaller assignment batches and import chunks than in production, so that a run of a few
thousand rows commits many times and a SIGKILL lands in the middle of it. The code that
runs is the production code.
"""

import os

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.ops.kill_worker_settings"
django.setup()

from crm.celery import app  # noqa: E402
from leads.services import assignment, importing  # noqa: E402

importing.CHUNK_ROWS = int(os.environ.get("KILL_TEST_CHUNK_ROWS", "100"))
assignment.assign_pending_leads.__kwdefaults__["batch_size"] = int(
    os.environ.get("KILL_TEST_BATCH_SIZE", "250")
)

__all__ = ["app"]
