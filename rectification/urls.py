from django.urls import path

from rectification import views

PLAN = "campaigns/<slug:slug>/rectification/<str:code>/"

urlpatterns = [
    path("campaigns/<slug:slug>/rectification/", views.rectification_overview, name="rectification_overview"),
    path(PLAN, views.rectification_plan, name="rectification_plan"),
    path(PLAN + "support/", views.plan_support, name="rectification_plan_support"),
    path(PLAN + "items/", views.plan_add_item, name="rectification_item_add"),
    path(PLAN + "submit/", views.plan_submit, name="rectification_plan_submit"),
    path(PLAN + "items/<int:pk>/progress/", views.item_progress, name="rectification_item_progress"),
    path(PLAN + "items/<int:pk>/review/", views.item_review, name="rectification_item_review"),
    path("campaigns/<slug:slug>/transitions/", views.campaign_transitions, name="campaign_transitions"),
    path("stars/", views.star_list, name="star_list"),
    path("stars/<int:pk>/", views.star_change, name="star_change"),
    path("stars/<int:pk>/lower/", views.star_lower, name="star_lower"),
    path("stars/<int:pk>/revoke/", views.star_revoke, name="star_revoke"),
]
