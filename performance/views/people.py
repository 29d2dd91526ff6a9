"""Pages: people (filled in by its part of the app)."""

urlpatterns: list = []
