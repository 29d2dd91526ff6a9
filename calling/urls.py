"""Pages of the calling floor under /calling/."""

from django.urls import path

from . import views

app_name = "calling"

urlpatterns = [
    path("state/", views.state_control, name="state_control"),
    path("state/change/", views.state_change, name="state_change"),
    path("state/seen/", views.seen, name="state_seen"),
]
