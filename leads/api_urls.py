"""Lead API routes. Order matters: `leads/imports/` etc. must come before `leads/{id}/`."""

from rest_framework.routers import DefaultRouter

from .apis import capture, leads, pool

router = DefaultRouter()
capture.register(router)
pool.register(router)
leads.register(router)

urlpatterns = [*capture.urlpatterns, *pool.urlpatterns, *leads.urlpatterns, *router.urls]
