import pytest

from customers.models import Tier


@pytest.fixture(autouse=True)
def _no_default_tiers(db):
    """Each test states its own tiers (the data migration's are removed)."""
    Tier.objects.all().delete()
