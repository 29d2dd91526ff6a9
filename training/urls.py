"""Pages of the training app (included at /training/ by crm.urls)."""

from django.urls import path  # noqa: F401

app_name = "training"
urlpatterns: list = []
