from django.urls import path

from publicity import views

urlpatterns = [
    # the public 公示 page (no login): /gongshi/<campaign slug>/
    path("gongshi/<slug:slug>/", views.public_results, name="public_results"),
    path("campaigns/<slug:slug>/publicity/", views.publicity_manage, name="publicity_manage"),
    path("campaigns/<slug:slug>/publicity/finalise/", views.publicity_finalise, name="publicity_finalise"),
    path("campaigns/<slug:slug>/publicity/republish/<str:code>/", views.publicity_republish,
         name="publicity_republish"),
    path("campaigns/<slug:slug>/objections/", views.objection_list, name="objection_list"),
    path("campaigns/<slug:slug>/objections/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
]
