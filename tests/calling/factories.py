"""Test helpers of the calling floor."""

from importlib import import_module

from django.apps import apps


def default_pause_codes() -> None:
    """Migration 0003's pause codes and floor policy (a transactional test's flush empties
    them, and a reused test database keeps it so): put them back, idempotently."""
    import_module("calling.migrations.0003_default_pause_codes").create(apps, None)


def state_indicators() -> None:
    """Migration 0005's indicators of performance (see above)."""
    import_module("performance.migrations.0005_state_indicators").create(apps, None)
