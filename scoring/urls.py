"""自评, 上级评定, 定级 and 调查摸底 pages."""
from django.urls import path

from scoring.views import grading as views
from scoring.views import investigation

urlpatterns = [
    path("campaigns/<slug:slug>/self/<str:code>/", views.self_eval, name="self_eval"),
    path("campaigns/<slug:slug>/self/<str:code>/save/", views.self_eval_save, name="self_eval_save"),
    path("campaigns/<slug:slug>/self/<str:code>/submit/", views.self_eval_submit, name="self_eval_submit"),
    path("campaigns/<slug:slug>/self/<str:code>/return/", views.self_eval_return, name="self_eval_return"),
    path("campaigns/<slug:slug>/review/", views.review_list, name="review_list"),
    path("campaigns/<slug:slug>/review/<str:code>/", views.review_org, name="review_org"),
    path("campaigns/<slug:slug>/review/<str:code>/save/", views.review_save, name="review_save"),
    path("campaigns/<slug:slug>/review/<str:code>/override/", views.review_override, name="review_override"),
    path("campaigns/<slug:slug>/review/<str:code>/clear-override/", views.review_clear_override,
         name="review_clear_override"),
    path("campaigns/<slug:slug>/dashboard/", views.campaign_dashboard, name="campaign_dashboard"),
    path("campaigns/<slug:slug>/grade/", views.grade_campaign, name="grade_campaign"),
    path("campaigns/<slug:slug>/import-scores/", views.import_scores, name="import_scores"),
    path("campaigns/<slug:slug>/import-scores/confirm/", views.import_scores_confirm, name="import_scores_confirm"),
    path("campaigns/<slug:slug>/investigation/", investigation.investigation_list, name="investigation_list"),
    path("campaigns/<slug:slug>/investigation/<str:code>/", investigation.investigation_edit, name="investigation_edit"),
]
