"""Helpers shared by the test modules."""

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import memory


def unavailable(reason: str):
    """A tool or server a test needs is missing: fail in CI (`CI=true`), where a skipped
    test would hide that nothing was tested; skip on a workstation."""
    if settings.CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


class InMemoryStorage(memory.InMemoryStorage):
    """Django's in-memory storage, but every read `open()` is a handle of its own, as on
    disk (Django's shares one): an import reads its file in a thread while it counts the
    rows through another handle."""

    def _open(self, name, mode="rb"):
        handle = super()._open(name, mode)
        if "r" not in mode or "+" in mode:
            return handle
        handle.seek(0)
        return ContentFile(handle.read(), name=name)
