"""API routes of the orders app (included at /api/ by crm.urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .apis import DiscountLimitViewSet, OrderViewSet, ProductViewSet
from .apis.money import ReceivablesView

# Path converters, so ids are documented as integers (as in leads.api_urls).
router = SimpleRouter(use_regex_path=False)
router.register("products", ProductViewSet, basename="product")
router.register("discount-limits", DiscountLimitViewSet, basename="discount-limit")
router.register("orders", OrderViewSet, basename="order")

urlpatterns = [
    path("receivables/", ReceivablesView.as_view(), name="receivables"),
    *router.urls,
]
