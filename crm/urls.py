from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import apis, errors, health, metrics, views
from .forms import PasswordChangeForm

router = DefaultRouter()
router.register("departments", apis.DepartmentViewSet, basename="department")
router.register("teams", apis.TeamViewSet, basename="team")
router.register("members", apis.MemberViewSet, basename="member")
router.register("memberships", apis.TeamMembershipViewSet, basename="membership")

api_urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", apis.api_docs, name="api-docs"),
    path("auth/token/", apis.ObtainTokenView.as_view(), name="api-token"),
    path("me/", apis.MeView.as_view(), name="api-me"),
    path("", include("leads.api_urls")),
    path("", include("orders.api_urls")),
    path("", include("aftersales.api_urls")),
    path("", include("calling.api_urls")),
    path("", include("training.api_urls")),
    path("", include("performance.api_urls")),
    path("", include("privacy.api_urls")),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("org/", include("crm.org_urls")),
    path("leads/", include("leads.urls")),
    path("orders/", include("orders.urls")),
    path("service/", include("aftersales.urls")),
    path("calling/", include("calling.urls")),
    path("training/", include("training.urls")),
    path("performance/", include("performance.urls")),
    path("risk/", include("risk.urls")),
    path("privacy/", include("privacy.urls")),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/two-factor/", include("crm.two_factor.urls")),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(form_class=PasswordChangeForm),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include(api_urlpatterns)),
]

handler400 = errors.bad_request
handler404 = errors.not_found
handler500 = errors.server_error
