"""Session middleware of the login rules: idle sessions end, and the steps a login still owes come first."""
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from core.logins import LAST_SEEN, pending_step

# Seconds between two writes of the last-seen time: a request writes the session at most this often.
_LAST_SEEN_RESOLUTION = 60


class IdleSessionMiddleware:
    """Logs out a user who made no request for settings.SESSION_IDLE_MINUTES, and sends them to the login page
    with a Chinese message. The logout is recorded (audit.receivers) with the reason."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if last is not None and now - last > settings.SESSION_IDLE_MINUTES * 60:
                request.idle_logout = True
                logout(request)
                messages.info(request, f"已超过 {settings.SESSION_IDLE_MINUTES} 分钟未操作，已自动退出，请重新登录。")
                return redirect_to_login(request.get_full_path())
            if last is None or now - last >= _LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


# The view of each pending step: with the step pending, it and the logout are the only views open.
_STEP_VIEWS = {"otp": "otp_verify", "password": "password_change"}


class LoginStepsMiddleware:
    """After a login, the user first verifies the second factor (staff with a TOTP device) and then changes an
    initial password; every other page redirects there until done."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        step = pending_step(request)
        match = request.resolver_match
        if step is None or (match is not None and match.url_name in ("logout", _STEP_VIEWS[step])):
            return None
        target = reverse(_STEP_VIEWS[step])
        if request.method == "GET" and step == "otp":
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return redirect(target)
