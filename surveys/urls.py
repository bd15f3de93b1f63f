from django.urls import path

from surveys import views

urlpatterns = [
    path("s/", views.survey_entry, name="survey_entry"),
    path("s/thanks/", views.survey_thanks, name="survey_thanks"),
    path("s/<str:token>/", views.survey_form, name="survey_form"),
    path("campaigns/<slug:slug>/survey/", views.survey_overview, name="survey_overview"),
    path("campaigns/<slug:slug>/survey-categories/", views.survey_categories, name="survey_categories"),
    path("campaigns/<slug:slug>/survey-categories/add/", views.survey_category_add, name="survey_category_add"),
    path("campaigns/<slug:slug>/survey-categories/<int:pk>/rename/", views.survey_category_rename,
         name="survey_category_rename"),
    path("campaigns/<slug:slug>/survey-categories/<int:pk>/move/", views.survey_category_move,
         name="survey_category_move"),
    path("campaigns/<slug:slug>/survey-categories/<int:pk>/delete/", views.survey_category_delete,
         name="survey_category_delete"),
    path("campaigns/<slug:slug>/survey/<str:code>/", views.survey_results, name="survey_results"),
    path("campaigns/<slug:slug>/survey/<str:code>/tokens/", views.issue_tokens, name="survey_issue_tokens"),
    path("campaigns/<slug:slug>/survey/<str:code>/paper/", views.paper_tally, name="paper_tally"),
    path("campaigns/<slug:slug>/survey/ballots.pdf", views.survey_ballots, name="survey_ballots"),
]
