from django.urls import path

from branches import views

urlpatterns = [
    path("orgs/", views.org_tree, name="org_tree"),
    path("orgs/import/", views.org_import, name="org_import"),
    path("orgs/import/confirm/", views.org_import_confirm, name="org_import_confirm"),
    path("orgs/import/template.xlsx", views.org_import_template, name="org_import_template"),
    path("orgs/<path:code>/", views.org_detail, name="org_detail"),
    path("people/", views.people, name="people"),
    path("people/create/", views.people_create_user, name="people_create_user"),
    path("people/assign/", views.people_assign_role, name="people_assign_role"),
    path("people/remove/", views.people_remove_role, name="people_remove_role"),
    path("people/reset-password/", views.people_reset_password, name="people_reset_password"),
]
