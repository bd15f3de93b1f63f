"""自评, 上级评定, 定级 and 调查摸底 pages."""
from django.urls import path

from scoring.views import grading as views
from scoring.views import investigation

urlpatterns = [
    path("campaigns/<slug:slug>/self/<str:code>/", views.self_eval, name="self_eval"),
    path("campaigns/<slug:slug>/review/", views.review_list, name="review_list"),
    path("campaigns/<slug:slug>/review/<str:code>/", views.review_org, name="review_org"),
    path("campaigns/<slug:slug>/dashboard/", views.campaign_dashboard, name="campaign_dashboard"),
    path("campaigns/<slug:slug>/grade/", views.grade_campaign, name="grade_campaign"),
    path("campaigns/<slug:slug>/import-scores/", views.import_scores, name="import_scores"),
    path("campaigns/<slug:slug>/investigation/", investigation.investigation_list, name="investigation_list"),
    path("campaigns/<slug:slug>/investigation/<str:code>/", investigation.investigation_edit, name="investigation_edit"),
]
