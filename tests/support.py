"""Helpers shared by the test modules."""

import pytest
from django.conf import settings


def unavailable(reason: str):
    """A tool or server a test needs is missing: fail in CI (`CI=true`), where a skipped
    test would hide that nothing was tested; skip on a workstation."""
    if settings.CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)
