"""Calling API routes (`/api/calling/...`)."""

from rest_framework.routers import DefaultRouter

from .apis import register

router = DefaultRouter(use_regex_path=False)
router.include_format_suffixes = False
register(router)

urlpatterns = router.urls
