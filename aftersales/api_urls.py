"""API routes of the aftersales app (included at /api/ by crm.urls): /api/service/…"""

from rest_framework.routers import SimpleRouter

from . import apis

# Path converters, so ids are documented as integers (as in leads.api_urls).
router = SimpleRouter(use_regex_path=False)
apis.register(router)

urlpatterns = router.urls
