"""Pages of the training app (included at /training/ by crm.urls)."""

from .views import courses, library

app_name = "training"
urlpatterns = [*courses.urlpatterns, *library.urlpatterns]
