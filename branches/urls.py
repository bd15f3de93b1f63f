from django.urls import path

from branches import views

urlpatterns = [
    path("orgs/", views.org_tree, name="org_tree"),
    path("orgs/import/", views.org_import, name="org_import"),
    path("orgs/import/template.xlsx", views.org_import_template, name="org_import_template"),
    path("orgs/<path:code>/", views.org_detail, name="org_detail"),
    path("people/", views.people, name="people"),
]
