from django.urls import path

from . import views

app_name = "two_factor"

urlpatterns = [
    path("", views.manage, name="manage"),
    path("verify/", views.verify, name="verify"),
    path("setup/", views.setup, name="setup"),
    path("setup/qr.svg", views.setup_qr, name="setup_qr"),
    path("reset/<int:user_id>/", views.reset, name="reset"),
]
