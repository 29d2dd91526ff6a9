"""Risk tests: the default disposition and scoring rules, and a place for uploads."""

import pytest

from leads.models import LeadPolicy
from leads.services.capture import scoring_rules_install_defaults
from leads.services.followups import disposition_rules_install_defaults


@pytest.fixture(autouse=True)
def lead_rules(db):
    """What the data migrations install (a flushed test database has lost them)."""
    disposition_rules_install_defaults()
    scoring_rules_install_defaults()
    LeadPolicy.current()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
