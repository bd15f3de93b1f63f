"""Logins in the audit log: login, failed login (the username tried, never the password; `locked` when the
lockout refused it or it started one), logout (with the reason when the session was idle), unlock, own password
change and second factor on/off, each with the client address (core.logins.client_address, read as the rate limits
read it).

Connected in AuditConfig.ready to Django's auth signals and core.logins' signals."""
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from audit.services import record
from core import logins

USER_TYPE = "auth.user"


def _address(request):
    return logins.client_address(request) if request is not None else None


def _user_fields(user):
    return {"object_type": USER_TYPE, "object_id": str(user.pk),
            "object_repr": (user.get_full_name() or user.get_username())[:255]}


def on_logged_in(sender, request, user, **kwargs):
    record(actor=user, action="登录", after={"address": _address(request)}, **_user_fields(user))


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django's credentials have the password cleansed; only the username tried is kept.
    username = str((credentials or {}).get("username") or "")[:150]
    locked = bool(getattr(request, "axes_locked_out", False))
    record(actor=None, action="登录失败", object_type=USER_TYPE, object_id=username[:64], object_repr=username,
           after={"username": username, "address": _address(request), "locked": locked},
           reason="账号或地址已锁定" if locked else "用户名或密码不正确")


def on_logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    idle = bool(getattr(request, "idle_logout", False))
    record(actor=user, action="退出登录", after={"address": _address(request)},
           reason="长时间未操作，自动退出" if idle else "", **_user_fields(user))


def on_unlocked(sender, request, username, address, **kwargs):
    record(actor=request.user, action="解除登录锁定", object_type=USER_TYPE, object_id=username[:64],
           object_repr=username or f"地址 {address}", after={"username": username, "address": address})


def on_password_changed(sender, request, user, **kwargs):
    record(actor=user, action="修改密码", before={"password": "（旧密码）"}, after={"password": "（已修改）",
           "address": _address(request)}, **_user_fields(user))


def on_second_factor_changed(sender, request, user, enabled, **kwargs):
    record(actor=user, action="开启两步验证" if enabled else "关闭两步验证", after={"address": _address(request)},
           **_user_fields(user))


def connect():
    user_logged_in.connect(on_logged_in, dispatch_uid="audit.login")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")
    user_logged_out.connect(on_logged_out, dispatch_uid="audit.logout")
    logins.login_unlocked.connect(on_unlocked, dispatch_uid="audit.unlocked")
    logins.password_changed.connect(on_password_changed, dispatch_uid="audit.password_changed")
    logins.second_factor_changed.connect(on_second_factor_changed, dispatch_uid="audit.second_factor")
