"""Lead API routes. Order matters: `leads/imports/` etc. must come before `leads/{id}/`."""

from rest_framework.routers import DefaultRouter

from .apis import capture, followups, leads, pool, settings

# Path converters (not regexes) so ids are `<int:pk>`: the schema documents them as
# integers, and `leads/assign/` can never be taken for a lead id.
router = DefaultRouter(use_regex_path=False)
router.include_format_suffixes = False  # JSON only; no `.json` twins of every route
capture.register(router)
pool.register(router)
followups.register(router)
settings.register(router)
leads.register(router)

urlpatterns = [
    *settings.urlpatterns,
    *capture.urlpatterns,
    *pool.urlpatterns,
    *leads.urlpatterns,
    *router.urls,
]
