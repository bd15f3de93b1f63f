from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from branches.access import staff_required
from core import views as core_views
from core.views_health import healthz
from portal import views

admin.site.site_header = "分类定级管理后台"
admin.site.site_title = "分类定级"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("core.urls")),
    path("login/locks/", staff_required(core_views.login_locks), name="login_locks"),
    path("login/locks/unlock/", staff_required(core_views.login_unlock), name="login_unlock"),
    path("password/second-factor/", staff_required(core_views.otp_setup), name="otp_setup"),
    path("password/second-factor/remove/", staff_required(core_views.otp_remove), name="otp_remove"),
    path("admin/", admin.site.urls),
    path("", include("branches.urls")),
    path("", include("campaigns.urls")),
    path("", include("scoring.urls")),
    path("", include("publicity.urls")),
    path("", include("rectification.urls")),
    path("", include("surveys.urls")),
    path("", include("reports.urls")),
]

handler403 = "portal.views.forbidden"
handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
