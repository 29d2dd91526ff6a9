import pytest

from tests.calling.factories import default_pause_codes


@pytest.fixture(autouse=True)
def _pause_codes(request):
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        default_pause_codes()
