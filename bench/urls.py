"""The product's URLs plus the bench's floor: the cheapest signed-in page there can be.

`crm.settings.bench` routes through this module; production and tests never see it.
"""

from django.http import HttpResponse
from django.urls import path

from crm.urls import handler400, handler404, handler500  # noqa: F401
from crm.urls import urlpatterns as product_urls


def floor(request):
    """Reads the signed-in user (session and member lookup) and answers two bytes."""
    return HttpResponse("ok" if request.user.is_authenticated else "no", content_type="text/plain")


urlpatterns = [path("bench/floor/", floor, name="bench-floor"), *product_urls]
