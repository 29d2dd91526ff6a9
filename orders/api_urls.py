"""API routes of the orders app (included at /api/ by crm.urls)."""

from rest_framework.routers import SimpleRouter

# Path converters, so ids are documented as integers (as in leads.api_urls).
router = SimpleRouter(use_regex_path=False)

urlpatterns = router.urls
