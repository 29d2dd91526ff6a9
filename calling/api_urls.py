"""API routes of the calling app (included at /api/ by crm.urls): /api/calling/…"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import apis

# Path converters, so ids are documented as integers (as in leads.api_urls).
router = SimpleRouter(use_regex_path=False)
apis.register(router)

urlpatterns = [
    path("calling/state/", apis.MyStateView.as_view(), name="calling-my-state"),
    *router.urls,
]
