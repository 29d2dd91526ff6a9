"""API routes of the privacy app (included at /api/ by crm.urls): /api/privacy/…"""

from rest_framework.routers import SimpleRouter

from . import apis

router = SimpleRouter(use_regex_path=False)
router.register("privacy/requests", apis.SubjectRequestViewSet, basename="privacy-request")

urlpatterns = router.urls
