from django.urls import path

from campaigns import views

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<slug:slug>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<slug:slug>/phase/", views.campaign_phase, name="campaign_phase"),
    path("campaigns/<slug:slug>/phase/confirm/", views.campaign_phase_confirm, name="campaign_phase_confirm"),
    path("campaigns/<slug:slug>/dates/", views.campaign_dates, name="campaign_dates"),
    path("campaigns/<slug:slug>/survey-settings/", views.campaign_survey_settings, name="campaign_survey_settings"),
    path("campaigns/<slug:slug>/survey-settings/save/", views.campaign_survey_settings_save,
         name="campaign_survey_settings_save"),
    path("campaigns/<slug:slug>/grade-vote/", views.campaign_grade_vote_save, name="campaign_grade_vote_save"),
    path("campaigns/<slug:slug>/participation/import/", views.campaign_participation_import,
         name="campaign_participation_import"),
    path("campaigns/<slug:slug>/participation/<str:code>/", views.campaign_participation_save,
         name="campaign_participation_save"),
    path("rubrics/", views.rubric_list, name="rubric_list"),
    path("rubrics/import/", views.rubric_import, name="rubric_import"),
    path("rubrics/import/confirm/", views.rubric_import_confirm, name="rubric_import_confirm"),
    path("rubrics/import/cancel/", views.rubric_import_cancel, name="rubric_import_cancel"),
    path("rubrics/<int:pk>/", views.rubric_detail, name="rubric_detail"),
    path("rubrics/<int:pk>/edit/", views.rubric_edit, name="rubric_edit"),
    path("rubrics/<int:pk>/copy/", views.rubric_copy, name="rubric_copy"),
]
