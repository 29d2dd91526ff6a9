"""Pages of the orders app (included at /orders/ by crm.urls)."""

from django.urls import path  # noqa: F401

app_name = "orders"
urlpatterns: list = []
