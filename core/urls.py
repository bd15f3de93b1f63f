from django.urls import path

from core import views

urlpatterns = [
    path("password/", views.password_change, name="password_change"),
    path("login/verify/", views.otp_verify, name="otp_verify"),
]
