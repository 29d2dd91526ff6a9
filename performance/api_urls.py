"""API under /api/performance/: each part of the app registers on its own router."""

from django.urls import include, path

from .apis.channels import urlpatterns as channel_urls
from .apis.dashboards import urlpatterns as dashboard_urls
from .apis.people import router as people_router
from .apis.scorecards import router as scorecard_router

urlpatterns = [
    path("performance/", include(scorecard_router.urls)),
    path("performance/", include(people_router.urls)),
    path("performance/", include(dashboard_urls)),
    path("performance/", include(channel_urls)),
]
