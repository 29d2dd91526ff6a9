"""Pages of the customers app (included at /customers/ by crm.urls)."""

from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("duplicates/", views.duplicate_list, name="duplicates"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/duplicates/", views.duplicates_panel, name="duplicates_panel"),
    path("<int:pk>/new-order/", views.new_order, name="new_order"),
    path("<int:pk>/merge/<int:other>/", views.merge, name="merge"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
]
