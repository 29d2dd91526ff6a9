"""Pages under /performance/: each part of the app keeps its own URL list."""

from .views.channels import urlpatterns as channel_urls
from .views.dashboards import urlpatterns as dashboard_urls
from .views.improvement import urlpatterns as improvement_urls
from .views.incentives import urlpatterns as incentive_urls
from .views.reviews import urlpatterns as review_urls
from .views.scorecards import urlpatterns as scorecard_urls
from .views.turnover import urlpatterns as turnover_urls
from .views.wallboard import urlpatterns as wallboard_urls

app_name = "performance"

urlpatterns = [
    *dashboard_urls,
    *scorecard_urls,
    *review_urls,
    *incentive_urls,
    *improvement_urls,
    *turnover_urls,
    *channel_urls,
    *wallboard_urls,
]
