"""Logins: the client address, the lockout after repeated failures, and the signals the audit log listens to.

Lockout (django-axes, with this module's handler and backend): LOGIN_FAILURE_LIMIT failures (5) of one username
from one address within LOGIN_FAILURE_WINDOW (15 minutes) lock that username from that address for LOGIN_LOCKOUT
(30 minutes) after the last of them; LOGIN_ADDRESS_FAILURE_LIMIT failures (20) from one address within the window,
whatever the usernames, lock the address. Failures are counted from axes' failure log (AccessFailureLog, one row
per failure with its time); unlocking (the staff page) deletes the failures of the lock. A failed attempt during a
lockout counts too, so guessing on keeps the lock.

The address is read as the rate limits read it (settings.RATELIMIT_IP_META_KEY, else REMOTE_ADDR; the first of a
comma separated list); for counting, an IPv6 address stands for its /64 network, and requests without a valid
address count as one client (address None), so a garbled proxy header does not escape the limits.
"""
import datetime
import ipaddress
import time
from dataclasses import dataclass

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessFailureLog
from axes.signals import user_locked_out
from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.shortcuts import render
from django.utils import timezone

from core.models import PasswordState

# Sent by core.views when a user changes their own password: sender=None, request, user.
password_changed = Signal()
# Sent by core.views when staff lift a lockout: sender=None, request, username ("" for an address lock), address.
login_unlocked = Signal()
# Sent by core.views when a user turns the second factor on or off: sender=None, request, user, enabled.
second_factor_changed = Signal()

# Failures read per check at most: far above any limit, so an address guessing thousands of times costs one
# bounded query.
_MAX_FAILURES_READ = 2000


def client_address(request) -> str | None:
    """The client's address as the rate limits read it, or None when the request carries no valid address."""
    meta_key = getattr(settings, "RATELIMIT_IP_META_KEY", None) or "REMOTE_ADDR"
    raw = (request.META.get(meta_key) or "").split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def lockout_address(request) -> str | None:
    """The address failures are counted by (axes' AXES_CLIENT_IP_CALLABLE): client_address(), with an IPv6
    address replaced by its /64 network, as the survey guard counts clients."""
    address = client_address(request)
    if address is not None and ipaddress.ip_address(address).version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return address


def _limits():
    return (settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_ADDRESS_FAILURE_LIMIT,
            datetime.timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES),
            datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES))


def _lock_end(times, *, limit: int, window: datetime.timedelta, duration: datetime.timedelta):
    """The end of the latest lock that failures at `times` (ascending) cause: `duration` after the last of any
    `limit` consecutive failures within `window`; None when they cause none."""
    end = None
    for last in range(limit - 1, len(times)):
        if times[last] - times[last - limit + 1] <= window:
            end = times[last] + duration
    return end


@dataclass(frozen=True)
class Lock:
    username: str  # "" for a lock of the whole address
    address: str | None  # None: the requests without a valid address
    until: datetime.datetime

    @property
    def minutes_left(self) -> int:
        return max(1, -(-int((self.until - timezone.now()).total_seconds()) // 60))


def locks_of(address: str | None, username: str | None = None, *, now=None) -> list[Lock]:
    """The locks in force now on `address` (None: the requests without a valid address): its own and, with
    `username`, that of the username from it."""
    now = now or timezone.now()
    per_name, per_address, window, duration = _limits()
    rows = list(AccessFailureLog.objects.filter(ip_address=address, attempt_time__gt=now - window - duration)
                .order_by("-attempt_time").values_list("attempt_time", "username")[:_MAX_FAILURES_READ])
    rows.reverse()
    locks = []
    end = _lock_end([at for at, _ in rows], limit=per_address, window=window, duration=duration)
    if end is not None and end > now:
        locks.append(Lock("", address, end))
    if username:
        end = _lock_end([at for at, name in rows if name == username], limit=per_name, window=window,
                        duration=duration)
        if end is not None and end > now:
            locks.append(Lock(username, address, end))
    return locks


def current_locks(*, now=None) -> list[Lock]:
    """Every lock in force now, latest end first (the staff page)."""
    now = now or timezone.now()
    _, _, window, duration = _limits()
    pairs = (AccessFailureLog.objects.filter(attempt_time__gt=now - window - duration)
             .values_list("ip_address", "username").distinct())
    found = {}
    for address, username in pairs:
        for lock in locks_of(address, username, now=now):
            found[(lock.username, lock.address)] = lock
    return sorted(found.values(), key=lambda lock: lock.until, reverse=True)


def unlock(*, address: str | None, username: str = "") -> int:
    """Lift the lock of `username` from `address` (or, with no username, of the address): its recorded failures
    are deleted. Returns how many. The audit log keeps every failure (audit.receivers)."""
    failures = AccessFailureLog.objects.filter(ip_address=address)
    attempts = AccessAttempt.objects.filter(ip_address=address)
    if username:
        failures, attempts = failures.filter(username=username), attempts.filter(username=username)
    with transaction.atomic():
        attempts.delete()
        count, _ = failures.delete()
    return count


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler, with this module's limits (see the module docstring) in place of axes' single
    failure limit."""

    def get_failures(self, request, credentials=None) -> int:
        # axes locks when this reaches AXES_FAILURE_LIMIT: report the limit when one of the two locks holds.
        username = get_client_username(request, credentials)
        if locks_of(getattr(request, "axes_ip_address", None), username):
            return settings.AXES_FAILURE_LIMIT
        return 0

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        # axes decides on the lock before it writes the failure log this handler counts: decide again after.
        if request is None or getattr(request, "axes_locked_out", False) or self.is_whitelisted(request, credentials):
            return
        if self.is_locked(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send("axes", request=request, username=get_client_username(request, credentials),
                                 ip_address=request.axes_ip_address)


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a login while its username or address is locked. A call of authenticate() without a request (a
    management command, a test) has no address to check and is let through to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def locked_response(request, original_response=None, credentials=None):
    """The Chinese lockout page (axes' AXES_LOCKOUT_CALLABLE), status 429."""
    username = get_client_username(request, credentials) or ""
    locks = locks_of(getattr(request, "axes_ip_address", None), username)
    minutes = max((lock.minutes_left for lock in locks), default=settings.LOGIN_LOCKOUT_MINUTES)
    return render(request, "registration/locked.html", {
        "username": username, "minutes": minutes, "address_locked": any(not lock.username for lock in locks),
        "failure_limit": settings.LOGIN_FAILURE_LIMIT, "window": settings.LOGIN_FAILURE_WINDOW_MINUTES,
    }, status=429)


def require_password_change(user) -> None:
    """Mark `user`'s password as set by someone else: the user must change it at the next request after login.
    Call it wherever an account gets an initial or reset password (the people page, an import)."""
    PasswordState.objects.update_or_create(user=user, defaults={"must_change": True})


def password_chosen(user) -> None:
    """Mark `user`'s password as the user's own (after a change, or for the demo accounts)."""
    PasswordState.objects.filter(user=user, must_change=True).update(must_change=False)


def must_change_password(user) -> bool:
    return PasswordState.objects.filter(user=user, must_change=True).exists()


# Session keys (read by core.middleware.LoginRulesMiddleware): when the user was last seen, and what the user must
# do before using the site after a login: "otp" (verify the second factor),
# "password" (change an initial password). Computed once at login, so a request costs no query for them.
LAST_SEEN = "_gs_last_seen"
PENDING = "_gs_login_pending"


def on_login(sender, request, user, **kwargs):
    """user_logged_in receiver (connected in core.apps): start the idle clock and note the pending login steps."""
    from django_otp import user_has_device

    if request is None or not hasattr(request, "session"):
        return
    pending = []
    if user_has_device(user, confirmed=True):
        pending.append("otp")
    if must_change_password(user):
        pending.append("password")
    request.session[LAST_SEEN] = int(time.time())  # the idle clock is the wall clock, as in the middleware
    request.session[PENDING] = pending


def step_done(request, step: str) -> None:
    """Mark a pending login step of the session as done."""
    pending = [s for s in request.session.get(PENDING, []) if s != step]
    request.session[PENDING] = pending


def pending_step(request) -> str | None:
    pending = request.session.get(PENDING) or []
    return pending[0] if pending else None
