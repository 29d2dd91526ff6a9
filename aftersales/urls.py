"""Pages of the aftersales app (included at /service/ by crm.urls)."""

from django.urls import path

from . import views

app_name = "aftersales"
urlpatterns = [
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("tickets/new/", views.ticket_open, name="ticket_open"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/move/<slug:move>/", views.ticket_move, name="ticket_move"),
    path("tickets/<int:pk>/reassign/", views.ticket_reassign, name="ticket_reassign"),
    path("revisits/", views.revisit_list, name="revisit_list"),
    path("revisits/<int:pk>/", views.revisit_detail, name="revisit_detail"),
    path("revisits/<int:pk>/record/", views.revisit_record, name="revisit_record"),
    path("improvements/", views.improvement_list, name="improvement_list"),
    path("improvements/<int:pk>/", views.improvement_update, name="improvement_update"),
    path("worklist-panel/", views.worklist_panel, name="worklist_panel"),
]
