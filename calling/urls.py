"""Pages of the calling floor under /calling/: the agent's state control, the
preview-dialing session, a call's page with its recording, the phone-system settings."""

from django.urls import path

from . import views

app_name = "calling"

urlpatterns = [
    path("state/", views.state_control, name="state_control"),
    path("state/change/", views.state_change, name="state_change"),
    path("state/seen/", views.seen, name="state_seen"),
    path("", views.session, name="session"),
    path("start/", views.session_start, name="start"),
    path("stop/", views.session_stop, name="stop"),
    path("dial/", views.dial, name="dial"),
    path("save/", views.session_save, name="save"),
    path("skip/", views.session_skip, name="skip"),
    path("renew/", views.lease_renew, name="renew"),
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("calls/status/<uuid:reference>/", views.call_status, name="call_status"),
    path("phone/", views.phone_settings, name="phone_settings"),
]
