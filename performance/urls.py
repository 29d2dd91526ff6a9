"""Pages under /performance/: each part of the app keeps its own URL list."""

from .views.dashboards import urlpatterns as dashboard_urls
from .views.people import urlpatterns as people_urls
from .views.scorecards import urlpatterns as scorecard_urls

app_name = "performance"

urlpatterns = [*dashboard_urls, *scorecard_urls, *people_urls]
