from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("", views.org_tree, name="tree"),
    path("departments/new/", views.department_edit, name="department_create"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("teams/new/", views.team_edit, name="team_create"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("teams/<int:pk>/members/", views.team_members, name="team_members"),
    path("members/", views.member_list, name="members"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/move/", views.member_move, name="member_move"),
    path("members/<int:pk>/status/", views.member_status, name="member_status"),
]
