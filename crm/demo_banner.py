"""Whether pages say the center runs on demo data (`DEMO_MODE`, on for `make run`'s demo)."""

from django.conf import settings


def demo_mode(request) -> dict:
    return {"demo_mode": settings.DEMO_MODE}
