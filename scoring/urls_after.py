from django.urls import path

from .views import after as views

urlpatterns = [
    # the public 公示 page (no login): /gongshi/<campaign slug>/
    path("gongshi/<slug:slug>/", views.public_results, name="public_results"),
    path("campaigns/<slug:slug>/investigation/", views.investigation_list, name="investigation_list"),
    path("campaigns/<slug:slug>/investigation/<str:code>/", views.investigation_edit, name="investigation_edit"),
    path("campaigns/<slug:slug>/publicity/", views.publicity_manage, name="publicity_manage"),
    path("campaigns/<slug:slug>/publicity/finalise/", views.publicity_finalise, name="publicity_finalise"),
    path("campaigns/<slug:slug>/publicity/republish/<str:code>/", views.publicity_republish,
         name="publicity_republish"),
    path("campaigns/<slug:slug>/objections/", views.objection_list, name="objection_list"),
    path("campaigns/<slug:slug>/objections/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
    path("campaigns/<slug:slug>/rectification/", views.rectification_overview, name="rectification_overview"),
    path("campaigns/<slug:slug>/rectification/<str:code>/", views.rectification_plan, name="rectification_plan"),
    path("campaigns/<slug:slug>/transitions/", views.campaign_transitions, name="campaign_transitions"),
    path("stars/", views.star_list, name="star_list"),
    path("stars/<int:pk>/", views.star_change, name="star_change"),
]
