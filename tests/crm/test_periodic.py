"""Periodic tasks are declared by each app (`<app>/periodic.py`) and collected for beat."""

import pytest
from django.conf import settings

from crm import periodic
from crm.celery import app


def test_beat_runs_what_every_app_declares():
    declared = {}
    for name in (
        "crm",
        "leads",
        "orders",
        "aftersales",
        "calling",
        "customers",
        "performance",
        "training",
        "risk",
        "privacy",
    ):
        module = __import__(f"{name}.periodic", fromlist=["SCHEDULE"])
        declared.update(module.SCHEDULE)
    assert declared == settings.CELERY_BEAT_SCHEDULE == app.conf.beat_schedule
    # Every task named there exists.
    for entry in declared.values():  # the module each task lives in, as the worker imports it
        __import__(entry["task"].rsplit(".", 1)[0])
    assert {entry["task"] for entry in declared.values()} <= set(app.tasks)


def test_apps_without_periodic_tasks_are_skipped_and_names_stay_unique(monkeypatch):
    assert periodic.collect(["configuration"]) == {}
    with pytest.raises(ValueError, match="lead-assignment"):
        periodic.collect(["leads", "leads"])


def test_intervals_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ASSIGNMENT_SWEEP_SECONDS", "17")
    assert periodic.seconds("ASSIGNMENT_SWEEP_SECONDS", 60) == 17
    monkeypatch.delenv("ASSIGNMENT_SWEEP_SECONDS")
    assert periodic.seconds("ASSIGNMENT_SWEEP_SECONDS", 60) == 60
