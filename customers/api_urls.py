"""API routes of the customers app (included at /api/ by crm.urls): /api/customers/…"""

from rest_framework.routers import SimpleRouter

from . import apis

# Path converters, so ids are documented as integers (as in leads.api_urls).
router = SimpleRouter(use_regex_path=False)
router.register("customers/merges", apis.MergeViewSet, basename="customer-merge")
router.register("customers/tiers", apis.TierViewSet, basename="customer-tier")
router.register("customers", apis.CustomerViewSet, basename="customer")

urlpatterns = router.urls
