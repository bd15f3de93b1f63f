from django.urls import path

from reports import views

urlpatterns = [
    path("campaigns/<slug:slug>/exports/", views.exports, name="exports"),
    path("exports/<uuid:pk>/progress/", views.export_progress, name="export_progress"),
    path("exports/<uuid:pk>/download/", views.export_download, name="export_download"),
    path("exports/<uuid:pk>/retry/", views.export_retry, name="export_retry"),
]
