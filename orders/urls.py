"""Pages of the orders app (included at /orders/ by crm.urls)."""

from .views import urlpatterns as urlpatterns

app_name = "orders"
