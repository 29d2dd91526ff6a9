from .views import capture, team, worklist

app_name = "leads"

urlpatterns = [*worklist.urlpatterns, *capture.urlpatterns, *team.urlpatterns]
