"""Logins in the audit log: login, failed login (the username tried, never the password), logout and password
change, each with the client address read as the rate limits read it."""
import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry

ADDRESS = "203.0.113.20"


def attempt(client, username, password, **extra):
    extra.setdefault("REMOTE_ADDR", ADDRESS)
    return client.post("/login/", {"username": username, "password": password}, **extra)


def entries(action):
    return list(AuditEntry.objects.filter(action=action))


def everything_stored(entry):
    return " ".join(str(getattr(entry, f.attname)) for f in AuditEntry._meta.fields)


def test_a_login_and_a_logout_are_recorded_with_the_address(client, staff):
    assert attempt(client, "staff", "pw-staff").status_code == 302
    (entry,) = entries("登录")
    assert entry.actor == staff and entry.object_type == "auth.user" and entry.object_id == str(staff.pk)
    assert entry.after == {"address": ADDRESS}
    client.post(reverse("logout"), REMOTE_ADDR=ADDRESS)
    (entry,) = entries("退出登录")
    assert entry.actor == staff and entry.after == {"address": ADDRESS} and entry.reason == ""


def test_a_failed_login_keeps_the_username_tried_and_never_the_password(client, staff):
    attempt(client, "staff", "Secret-Guess-42")
    attempt(client, "no-such-user", "Another-Guess-43")
    first, second = sorted(entries("登录失败"), key=lambda e: e.pk)
    assert first.actor is None and first.object_repr == "staff"
    assert first.after == {"username": "staff", "address": ADDRESS, "locked": False}
    assert second.after["username"] == "no-such-user"
    for entry in (first, second):
        stored = everything_stored(entry)
        assert "Guess" not in stored and "*****" not in stored
    assert not entries("登录")


def test_the_failure_that_locks_and_those_refused_during_the_lock_say_so(client, staff):
    for _ in range(5):
        attempt(client, "staff", "wrong")
    attempt(client, "staff", "pw-staff")  # refused: locked
    failures = sorted(entries("登录失败"), key=lambda e: e.pk)
    assert [e.after["locked"] for e in failures] == [False] * 4 + [True, True]
    assert failures[-1].reason == "账号或地址已锁定"
    assert not entries("登录")


def test_the_address_behind_a_proxy_is_the_one_recorded(client, staff, settings):
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    attempt(client, "staff", "wrong", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4, 10.0.0.1")
    attempt(client, "staff", "pw-staff", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert entries("登录失败")[0].after["address"] == "198.51.100.4"
    assert entries("登录")[0].after == {"address": "198.51.100.4"}


def test_an_own_password_change_is_recorded_without_the_password(client, staff):
    attempt(client, "staff", "pw-staff")
    response = client.post(reverse("password_change"), {"old_password": "pw-staff", "new_password1": "Xin@mima2026",
                                                        "new_password2": "Xin@mima2026"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    (entry,) = entries("修改密码")
    assert entry.actor == staff and entry.object_id == str(staff.pk)
    assert entry.after == {"password": "（已修改）", "address": ADDRESS}
    assert "Xin@mima" not in everything_stored(entry) and "pw-staff" not in everything_stored(entry)
    # Changing the password keeps the session (no logout entry, still logged in).
    assert not entries("退出登录") and client.get("/").status_code == 200


def test_a_refused_password_change_is_not_recorded(client, staff):
    attempt(client, "staff", "pw-staff")
    client.post(reverse("password_change"), {"old_password": "wrong", "new_password1": "Xin@mima2026",
                                             "new_password2": "Xin@mima2026"})
    assert not entries("修改密码")


@pytest.mark.django_db
def test_an_anonymous_logout_records_nothing():
    Client().post(reverse("logout"))
    assert not entries("退出登录")
