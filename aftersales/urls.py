"""Pages of the aftersales app (included at /aftersales/ by crm.urls)."""

from django.urls import path  # noqa: F401

app_name = "aftersales"
urlpatterns: list = []
