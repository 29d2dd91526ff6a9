"""API routes of the risk app (included at /api/ by crm.urls): /api/risk/…"""

from rest_framework.routers import SimpleRouter

from . import apis

router = SimpleRouter(use_regex_path=False)
router.register("risk/audit", apis.AuditEntryViewSet, basename="risk-audit")
router.register("risk/exports", apis.ExportRecordViewSet, basename="risk-export")
router.register("risk/reveals", apis.PhoneRevealViewSet, basename="risk-reveal")
router.register("risk/events", apis.RiskEventViewSet, basename="risk-event")

urlpatterns = [apis.RiskPolicyViewSet.path("risk/policy/", name="risk-policy"), *router.urls]
