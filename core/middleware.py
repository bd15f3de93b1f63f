"""The login rules on every request: an idle session ends, and the steps a login still owes come first.

Both run when the request's user is first read, not before the view: a page that never reads the user — the
survey's respondent pages (docs/anonymity.md) — never touches the session, as before these rules.
"""
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode

from core.logins import LAST_SEEN, pending_step

# Seconds between two writes of the last-seen time: a request writes the session at most this often.
_LAST_SEEN_RESOLUTION = 60
# The view of each pending step: with the step pending, it and the logout are the only views open.
_STEP_VIEWS = {"otp": "otp_verify", "password": "password_change"}


class LoginStepPending(Exception):
    """Raised when a view reads the user of a login with a step pending; answered with a redirect to the step."""

    def __init__(self, step: str):
        super().__init__(step)
        self.step = step


class LoginRulesMiddleware:
    """After AuthenticationMiddleware (and django-otp's), MessageMiddleware.

    - A user who made no request for settings.SESSION_IDLE_MINUTES is logged out (recorded with the reason by
      audit.receivers) and the request goes on as anonymous: a page that needs a login sends them to the login
      page, where a Chinese message says why.
    - A login with a pending step (verify the second factor, change an initial password) reaches only that step's
      page and the logout; any other page redirects there.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        request.user = SimpleLazyObject(lambda: self._checked_user(request, user))
        return self.get_response(request)

    def _checked_user(self, request, user):
        request.user = user  # the checks below (logout) read request.user: give them the plain one
        if not user.is_authenticated:
            return user
        now = int(time.time())
        last = request.session.get(LAST_SEEN)
        if last is not None and now - last > settings.SESSION_IDLE_MINUTES * 60:
            request.idle_logout = True
            logout(request)
            messages.info(request, f"已超过 {settings.SESSION_IDLE_MINUTES} 分钟未操作，已自动退出，请重新登录。")
            return request.user
        if last is None or now - last >= _LAST_SEEN_RESOLUTION:
            request.session[LAST_SEEN] = now
        step = pending_step(request)
        match = request.resolver_match
        if step is not None and (match is None or match.url_name not in ("logout", _STEP_VIEWS[step])):
            raise LoginStepPending(step)
        return user

    def process_exception(self, request, exception):
        if not isinstance(exception, LoginStepPending):
            return None
        target = reverse(_STEP_VIEWS[exception.step])
        if request.method == "GET" and exception.step == "otp":
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return redirect(target)


class PermissionsPolicyMiddleware:
    """Adds settings.PERMISSIONS_POLICY as the Permissions-Policy header of every answer that has none."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response
