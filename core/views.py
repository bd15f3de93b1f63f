"""Login pages: the own password change (also the forced change of an initial password), the second factor
(verify after login; set up or remove, for staff), and the staff page that lifts login lockouts.

The staff-only views are wrapped with the site's staff check where they are routed (gradingsite/urls.py): this
bottom layer knows no roles."""
import base64
import io

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.qr import write_qrcode_image

from core import logins, second_factor


class PasswordChangeView(auth_views.PasswordChangeView):
    """The user's own password change. After it the password counts as the user's own (an initial password's
    forced change is then done), the session stays logged in, and the change is recorded (audit.receivers)."""

    form_class = PasswordChangeForm
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["forced"] = logins.pending_step(self.request) == "password"
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        logins.password_chosen(user)
        logins.step_done(self.request, "password")
        logins.password_changed.send(sender=None, request=self.request, user=user)
        messages.success(self.request, "密码已修改。")
        return response


password_change = PasswordChangeView.as_view()


def _next_url(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return default


@login_required
def otp_verify(request):
    """The second step of a login with a TOTP device: the six-digit code from the authenticator app."""
    if logins.pending_step(request) != "otp":
        return redirect(_next_url(request))
    error = ""
    if request.method == "POST":
        device = match_token(request.user, (request.POST.get("token") or "").strip())
        if device is not None:
            otp_login(request, device)
            logins.step_done(request, "otp")
            return redirect(_next_url(request))
        error = "动态口令不正确或已过期，请查看验证器中的最新口令。多次输错后需稍候再试。"
    return render(request, "registration/otp_verify.html",
                  {"error": error, "next": request.POST.get("next") or request.GET.get("next") or ""},
                  status=400 if error else 200)


def _qr_svg(data: str) -> str:
    out = io.BytesIO()
    write_qrcode_image(data, out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def otp_setup(request):
    """Set up the second factor (staff, optional): scan the QR code, confirm with one code. Once confirmed, every
    login of the account asks for a code."""
    user = request.user
    confirmed = second_factor.confirmed_device(user)
    if confirmed is not None:
        return render(request, "registration/otp_setup.html", {"device": confirmed})
    device = second_factor.pending_device(user)
    error = ""
    if request.method == "POST":
        if device.verify_token((request.POST.get("token") or "").strip()):
            second_factor.confirm(device)
            otp_login(request, device)
            logins.step_done(request, "otp")
            logins.second_factor_changed.send(sender=None, request=request, user=user, enabled=True)
            messages.success(request, "两步验证已开启：以后登录时需输入验证器中的动态口令。")
            return redirect("otp_setup")
        error = "动态口令不正确，请输入验证器当前显示的 6 位数字。"
    return render(request, "registration/otp_setup.html", {
        "device": None, "error": error, "qr": _qr_svg(device.config_url),
        "secret": base64.b32encode(device.bin_key).decode(),
    }, status=400 if error else 200)


@require_POST
def otp_remove(request):
    """Turn the second factor off (staff, from a session that verified it)."""
    user = request.user
    if second_factor.confirmed_device(user) is not None and not user.is_verified():
        messages.error(request, "请先完成两步验证。")
        return redirect("otp_setup")
    second_factor.remove_devices(user)
    logins.second_factor_changed.send(sender=None, request=request, user=user, enabled=False)
    messages.success(request, "两步验证已关闭。")
    return redirect("otp_setup")


def login_locks(request):
    """Staff: the login lockouts in force, each with a button that lifts it."""
    return render(request, "registration/login_locks.html", {"locks": logins.current_locks()})


@require_POST
def login_unlock(request):
    """Staff: lift one lockout (a username from an address, or an address). Recorded (audit.receivers)."""
    address = (request.POST.get("address") or "").strip() or None  # none: the requests without a valid address
    username = (request.POST.get("username") or "").strip()
    if not logins.unlock(address=address, username=username):
        messages.error(request, "该锁定不存在或已解除。")
    else:
        logins.login_unlocked.send(sender=None, request=request, username=username, address=address)
        messages.success(request, f"已解除{'账号 ' + username + ' 在' if username else ''}地址 {address or '（未知）'} 的登录锁定。")
    return redirect("login_locks")
