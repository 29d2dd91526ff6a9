"""Settings of the Celery worker that tests/ops/test_worker_kill.py starts and kills.

The test settings, plus what a worker in another process needs to share the test's data:
files on disk (not in the test process's memory) and a broker that gives back a killed
worker's unacknowledged message within seconds (production keeps Redis's default
visibility timeout of one hour, longer than any task; see the test module).
"""

import os

from crm.settings.test import *  # noqa: F403
from crm.settings.test import BASE_DIR

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ["KILL_TEST_MEDIA_ROOT"]},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / os.environ["KILL_TEST_MEDIA_ROOT"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 5,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
