"""The Celery app: settings come from Django's (`CELERY_*`), tasks from each app's tasks.py.

Also: which queue a task goes to (`route_task`), and the signal handlers that give task
logs the request id (crm/logging.py) and count tasks for Prometheus (crm/metrics.py).
"""

import os
from fnmatch import fnmatchcase

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Modules named otherwise than tasks.py (one app, several owners of its jobs).
app.autodiscover_tasks(lambda: ["performance"], related_name="tasks_people")


def route_task(name, args, kwargs, options, task=None, **kw):
    """The slow queue for a task matching CELERY_SLOW_TASKS; else the default (fast) one."""
    from django.conf import settings

    if any(fnmatchcase(name, pattern) for pattern in settings.CELERY_SLOW_TASKS):
        return {"queue": settings.CELERY_SLOW_QUEUE}
    return None


def _connect_signals() -> None:
    from . import logging as crm_logging
    from . import metrics

    crm_logging.connect_celery_signals()
    crm_logging.connect_request_signals()
    metrics.connect_celery_signals()


_connect_signals()
