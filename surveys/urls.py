from django.urls import path

from surveys import views

urlpatterns = [
    path("s/", views.survey_entry, name="survey_entry"),
    path("s/thanks/", views.survey_thanks, name="survey_thanks"),
    path("s/<str:token>/", views.survey_form, name="survey_form"),
    path("campaigns/<slug:slug>/survey/", views.survey_overview, name="survey_overview"),
    path("campaigns/<slug:slug>/survey/<str:code>/", views.survey_results, name="survey_results"),
    path("campaigns/<slug:slug>/survey/<str:code>/tokens/", views.issue_tokens, name="survey_issue_tokens"),
    path("campaigns/<slug:slug>/survey/<str:code>/paper/", views.paper_tally, name="paper_tally"),
    path("campaigns/<slug:slug>/survey/ballots.pdf", views.survey_ballots, name="survey_ballots"),
]
