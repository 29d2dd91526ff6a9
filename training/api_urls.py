"""API routes of the training app (included at /api/ by crm.urls)."""

from rest_framework.routers import SimpleRouter

from . import apis

# Path converters, so ids are documented as integers (as in leads.api_urls).
router = SimpleRouter(use_regex_path=False)
apis.register(router)

urlpatterns = router.urls
