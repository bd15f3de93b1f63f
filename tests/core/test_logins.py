"""Logins: lockout per username and address and per address, the Chinese lockout page, staff unlock, idle sessions,
the forced change of an initial password, and the optional second factor of staff."""
import datetime
import time

import pytest
from axes.models import AccessFailureLog
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from core import logins
from tests.conftest import login

HOME, LOGIN = "/", "/login/"
ADDRESS, OTHER_ADDRESS = "203.0.113.7", "198.51.100.9"


def attempt(client, username, password, address=ADDRESS, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def logged_in(client):
    return "_auth_user_id" in client.session


def fail(client, username, times, address=ADDRESS):
    for _ in range(times):
        response = attempt(client, username, "wrong-password", address)
    return response


def backdate_failures(minutes):
    AccessFailureLog.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=minutes))


# ------------------------------------------------------------------ the rule itself

T0 = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
M = datetime.timedelta(minutes=1)


@pytest.mark.parametrize("minutes,limit,end", [
    ([], 5, None),
    ([0, 1, 2, 3], 5, None),  # four failures: no lock
    ([0, 1, 2, 3, 4], 5, 34),  # the fifth within 15 minutes: 30 minutes after it
    ([0, 4, 8, 12, 15], 5, 45),  # exactly 15 minutes from first to fifth still locks
    ([0, 4, 8, 12, 16], 5, None),  # 16 minutes: the first has left the window
    ([0, 4, 8, 12, 16, 17], 5, 47),  # ... until a sixth brings five within 15 minutes
    ([0, 1, 2, 3, 4, 20, 21], 5, 34),  # later failures that make no new window of five keep the first end
    ([0, 1, 2, 3, 4, 10], 5, 40),  # a failure during the lock extends it
])
def test_lock_end_table(minutes, limit, end):
    times = [T0 + m * M for m in minutes]
    expected = None if end is None else T0 + end * M
    assert logins._lock_end(times, limit=limit, window=15 * M, duration=30 * M) == expected


# ------------------------------------------------------------------ lockout through the login page

def test_five_failures_lock_the_username_from_that_address(client, staff):
    for n in range(4):
        response = attempt(client, "staff", "wrong-password")
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode(), n
    response = attempt(client, "staff", "wrong-password")
    assert response.status_code == 429
    text = response.content.decode()
    assert "登录已锁定" in text and "staff" in text and "分钟后再试" in text

    # The right password is refused too while the lock holds, and the attempt is not let in.
    response = attempt(client, "staff", "pw-staff")
    assert response.status_code == 429 and not logged_in(client)

    # The same username from another address, and another username from this address, still log in.
    other = Client()
    assert attempt(other, "staff", "pw-staff", OTHER_ADDRESS).status_code == 302 and logged_in(other)


def test_another_username_from_a_locked_pair_address_logs_in(client, staff, secretary_of_branch):
    fail(client, "staff", 5)
    assert attempt(client, "sec_vil2", "pw-sec_vil2").status_code == 302 and logged_in(client)


def test_twenty_failures_from_one_address_lock_the_address(client, staff, secretary_of_branch):
    for n in range(19):
        response = attempt(client, f"guess{n % 5}-{n}", "wrong-password")
        assert response.status_code == 200, n
    response = attempt(client, "guess-last", "wrong-password")
    assert response.status_code == 429 and "网络地址登录失败次数过多" in response.content.decode()
    assert attempt(client, "sec_vil2", "pw-sec_vil2").status_code == 429 and not logged_in(client)
    assert attempt(Client(), "sec_vil2", "pw-sec_vil2", OTHER_ADDRESS).status_code == 302


def test_failures_older_than_the_window_do_not_count(client, staff):
    fail(client, "staff", 4)
    backdate_failures(16)
    assert fail(client, "staff", 1).status_code == 200
    assert attempt(client, "staff", "pw-staff").status_code == 302


def test_the_lock_ends_after_thirty_minutes(client, staff):
    assert fail(client, "staff", 5).status_code == 429
    backdate_failures(29)
    assert attempt(client, "staff", "pw-staff").status_code == 429
    backdate_failures(31)
    assert attempt(client, "staff", "pw-staff").status_code == 302 and logged_in(client)


def test_the_address_is_read_as_the_rate_limits_read_it(client, staff, settings):
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    for _ in range(5):
        attempt(client, "staff", "wrong-password", address="10.0.0.1", HTTP_X_FORWARDED_FOR=f"{ADDRESS}, 10.0.0.2")
    assert AccessFailureLog.objects.filter(ip_address=ADDRESS).count() == 5
    locked = attempt(client, "staff", "pw-staff", address="10.0.0.1", HTTP_X_FORWARDED_FOR=ADDRESS)
    assert locked.status_code == 429
    # Same proxy address, another client behind it: not locked.
    other = Client()
    assert attempt(other, "staff", "pw-staff", address="10.0.0.1", HTTP_X_FORWARDED_FOR=OTHER_ADDRESS).status_code == 302


def test_requests_without_a_valid_address_count_as_one_client(client, staff, settings):
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    for n in range(5):
        attempt(client, "staff", "wrong-password", HTTP_X_FORWARDED_FOR=f"garbled-{n}")
    assert attempt(client, "staff", "pw-staff", HTTP_X_FORWARDED_FOR="").status_code == 429
    assert attempt(Client(), "staff", "pw-staff", HTTP_X_FORWARDED_FOR=OTHER_ADDRESS).status_code == 302


def test_staff_lift_the_lock_of_requests_without_an_address(client, staff, settings):
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    fail(Client(), "sec_vil2", 5)  # no X-Forwarded-For at all
    login(client, staff)
    assert "（未知地址）" in client.get(reverse("login_locks")).content.decode()
    response = client.post(reverse("login_unlock"), {"username": "sec_vil2", "address": ""}, follow=True)
    assert "已解除" in response.content.decode() and not logins.current_locks()


def test_an_ipv6_client_is_counted_by_its_64_network(client, staff):
    for n in range(5):
        attempt(client, "staff", "wrong-password", address=f"2001:db8:1:2::{n + 1}")
    assert attempt(client, "staff", "pw-staff", address="2001:db8:1:2:abcd::9").status_code == 429
    assert attempt(Client(), "staff", "pw-staff", address="2001:db8:1:3::1").status_code == 302


# ------------------------------------------------------------------ staff unlock

def test_staff_see_and_lift_a_lock_and_it_is_audited(client, staff, secretary_of_branch):
    locked = Client()
    fail(locked, "sec_vil2", 5)
    login(client, staff)
    page = client.get(reverse("login_locks"))
    assert page.status_code == 200 and "sec_vil2" in page.content.decode() and ADDRESS in page.content.decode()

    response = client.post(reverse("login_unlock"), {"username": "sec_vil2", "address": ADDRESS}, follow=True)
    assert "已解除" in response.content.decode()
    assert "sec_vil2" not in client.get(reverse("login_locks")).content.decode()
    entry = AuditEntry.objects.get(action="解除登录锁定")
    assert entry.actor == staff and entry.after == {"username": "sec_vil2", "address": ADDRESS}
    assert attempt(locked, "sec_vil2", "pw-sec_vil2").status_code == 302


def test_unlocking_a_lock_that_is_not_there_says_so(client, staff):
    login(client, staff)
    response = client.post(reverse("login_unlock"), {"username": "nobody", "address": ADDRESS}, follow=True)
    assert "该锁定不存在或已解除" in response.content.decode()
    assert not AuditEntry.objects.filter(action="解除登录锁定").exists()


@pytest.mark.parametrize("name", ["login_locks", "login_unlock", "otp_setup"])
def test_staff_login_pages_refuse_other_roles_and_anonymous(client, secretary_of_branch, name):
    assert client.get(reverse(name)).status_code == 302  # anonymous → the login page
    login(client, secretary_of_branch)
    assert client.post(reverse(name), {"address": ADDRESS}).status_code == 403


# ------------------------------------------------------------------ idle sessions

def _idle(client, minutes):
    session = client.session
    session[logins.LAST_SEEN] = int(time.time()) - minutes * 60
    session.save()


def test_an_idle_session_ends_with_a_message(client, staff, settings):
    settings.SESSION_IDLE_MINUTES = 30
    login(client, staff)
    assert client.get(HOME).status_code == 200
    _idle(client, 29)
    assert client.get(HOME).status_code == 200  # 29 minutes: still logged in (and the clock restarts)
    _idle(client, 31)
    response = client.get(reverse("campaign_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not logged_in(client)
    assert "未操作，已自动退出" in client.get(response["Location"]).content.decode()
    entry = AuditEntry.objects.get(action="退出登录")
    assert entry.actor == staff and "自动退出" in entry.reason


def test_the_idle_limit_is_a_setting(client, staff, settings):
    settings.SESSION_IDLE_MINUTES = 5
    login(client, staff)
    _idle(client, 6)
    assert client.get(HOME).status_code == 302 and not logged_in(client)


def test_a_request_keeps_the_session_alive(client, staff, settings):
    settings.SESSION_IDLE_MINUTES = 30
    login(client, staff)
    _idle(client, 20)
    assert client.get(HOME).status_code == 200
    assert int(time.time()) - client.session[logins.LAST_SEEN] < 5


def test_a_page_that_never_reads_the_user_leaves_the_session_untouched(client, staff, settings):
    """The survey's respondent pages: even from a browser with a login, the rules do not read the session."""
    settings.SESSION_IDLE_MINUTES = 30
    login(client, staff)
    _idle(client, 2)  # a read of the user would write the last-seen time now
    before = client.session[logins.LAST_SEEN]
    response = client.get(reverse("survey_entry"))
    assert response.status_code == 200 and "Cookie" not in response.get("Vary", "")
    assert client.session[logins.LAST_SEEN] == before
    _idle(client, 31)
    client.get(reverse("survey_entry"))
    assert logged_in(client) and not AuditEntry.objects.filter(action="退出登录").exists()


# ------------------------------------------------------------------ forced change of an initial password

@pytest.fixture
def new_account(client, staff):
    """An account made by staff on the people page, with an initial password."""
    login(client, staff)
    response = client.post(reverse("people_create_user"), {"new-username": "zhangsan",
                                                "new-full_name": "张三", "new-password": "Chushi2026!"})
    assert response.status_code == 302
    client.logout()
    return get_user_model().objects.get(username="zhangsan")


def test_an_account_made_by_staff_must_change_its_password_first(new_account):
    user_client = Client()
    response = attempt(user_client, "zhangsan", "Chushi2026!")
    assert response.status_code == 302
    for url in (HOME, reverse("campaign_list"), "/orgs/"):
        response = user_client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("password_change"), url
    page = user_client.get(reverse("password_change"))
    assert page.status_code == 200 and "初始密码" in page.content.decode()

    weak = user_client.post(reverse("password_change"), {"old_password": "Chushi2026!", "new_password1": "abcdefgh",
                                                         "new_password2": "abcdefgh"})
    assert weak.status_code == 200 and "至少 3 类" in weak.content.decode()
    assert user_client.get(HOME).status_code == 302

    done = user_client.post(reverse("password_change"), {"old_password": "Chushi2026!",
                                                         "new_password1": "Ziji@mima9", "new_password2": "Ziji@mima9"})
    assert done.status_code == 302 and logged_in(user_client)
    assert user_client.get(HOME).status_code == 200
    # The next login is not asked again.
    again = Client()
    attempt(again, "zhangsan", "Ziji@mima9")
    assert again.get(HOME).status_code == 200


def test_a_password_reset_by_staff_must_be_changed_again(client, staff, new_account):
    from core.logins import password_chosen

    password_chosen(new_account)
    login(client, staff)
    client.post(reverse("people_reset_password"), {"user_id": new_account.pk, "password": "Chongzhi2026!"})
    user_client = Client()
    attempt(user_client, "zhangsan", "Chongzhi2026!")
    assert user_client.get(HOME)["Location"] == reverse("password_change")


def test_a_user_who_chose_their_password_is_not_asked(client, staff):
    assert attempt(client, "staff", "pw-staff").status_code == 302
    assert client.get(HOME).status_code == 200


def test_logout_stays_open_during_a_pending_change(new_account):
    user_client = Client()
    attempt(user_client, "zhangsan", "Chushi2026!")
    assert user_client.post(reverse("logout")).status_code == 302 and not logged_in(user_client)


# ------------------------------------------------------------------ the second factor (staff, optional)

def _unthrottle(device):
    """A wrong code delays the device's next try (django-otp's throttling); the test does not wait."""
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def _code(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def test_staff_turn_on_the_second_factor_and_then_every_login_asks_for_a_code(client, staff):
    login(client, staff)
    page = client.get(reverse("otp_setup"))
    assert page.status_code == 200 and "data:image/svg+xml;base64," in page.content.decode()
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert client.post(reverse("otp_setup"), {"token": "000000" if _code(device) != "000000" else "111111"}
                       ).status_code == 400
    _unthrottle(device)
    assert client.post(reverse("otp_setup"), {"token": _code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="开启两步验证", actor=staff).exists()

    fresh = Client()
    assert attempt(fresh, "staff", "pw-staff").status_code == 302
    response = fresh.get(reverse("campaign_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("otp_verify"))
    assert fresh.get(reverse("password_change")).status_code == 302  # nothing but the code page and logout
    wrong = fresh.post(reverse("otp_verify"), {"token": "12345", "next": reverse("campaign_list")})
    assert wrong.status_code == 400 and "动态口令不正确" in wrong.content.decode()
    _unthrottle(device)
    right = fresh.post(reverse("otp_verify"), {"token": _code(device, 1), "next": reverse("campaign_list")})
    assert right.status_code == 302 and right["Location"] == reverse("campaign_list")
    assert fresh.get(reverse("campaign_list")).status_code == 200


def test_staff_without_a_device_are_not_asked_for_a_code(client, staff):
    attempt(client, "staff", "pw-staff")
    assert client.get(reverse("campaign_list")).status_code == 200


def test_the_code_page_does_not_redirect_off_site(client, staff):
    device = TOTPDevice.objects.create(user=staff, name="x", confirmed=True)
    attempt(client, "staff", "pw-staff")
    response = client.post(reverse("otp_verify"), {"token": _code(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_staff_turn_the_second_factor_off_after_verifying(client, staff):
    device = TOTPDevice.objects.create(user=staff, name="x", confirmed=True)
    attempt(client, "staff", "pw-staff")
    assert client.post(reverse("otp_remove")).status_code == 302
    assert client.get(reverse("otp_remove")).status_code == 302  # still the code page first
    assert TOTPDevice.objects.filter(user=staff).exists()
    client.post(reverse("otp_verify"), {"token": _code(device)})
    assert client.post(reverse("otp_remove")).status_code == 302
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert AuditEntry.objects.filter(action="关闭两步验证", actor=staff).exists()
    fresh = Client()
    attempt(fresh, "staff", "pw-staff")
    assert fresh.get(reverse("campaign_list")).status_code == 200
