from django.urls import path

from rectification import views

urlpatterns = [
    path("campaigns/<slug:slug>/rectification/", views.rectification_overview, name="rectification_overview"),
    path("campaigns/<slug:slug>/rectification/<str:code>/", views.rectification_plan, name="rectification_plan"),
    path("campaigns/<slug:slug>/transitions/", views.campaign_transitions, name="campaign_transitions"),
    path("stars/", views.star_list, name="star_list"),
    path("stars/<int:pk>/", views.star_change, name="star_change"),
]
