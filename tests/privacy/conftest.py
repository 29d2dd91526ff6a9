"""Privacy tests: the lead rules the data migrations install, files stored on disk (the
erasure test reads every stored file), and one marked person."""

import pytest

from leads.models import LeadPolicy
from leads.services.capture import scoring_rules_install_defaults
from leads.services.followups import disposition_rules_install_defaults

MARKED_NAME = "Zhang Marked"
MARKED_PHONE = "+8613912345678"
MARKED_EMAIL = "marked@example.com"


@pytest.fixture(autouse=True)
def lead_rules(db):
    disposition_rules_install_defaults()
    scoring_rules_install_defaults()
    LeadPolicy.current()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploads and recordings on disk under a fresh MEDIA_ROOT (not the in-memory store)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return settings.MEDIA_ROOT
