"""Factories and helpers shared by the performance tests (append yours below)."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps


def default_indicators() -> None:
    """The built-in indicators and weights of migration 0002 (a transactional test's flush
    empties them; this puts them back, idempotently)."""
    import_module("performance.migrations.0002_default_indicators").create(apps, None)
    import_module("performance.migrations.0005_cash_collected_indicator").create(apps, None)
    import_module("performance.migrations.0005_state_indicators").create(apps, None)
