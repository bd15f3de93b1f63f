"""The guard of the respondent pages against guessing codes.

A client — its IP address, an IPv6 /64 — that looked up more than GUESS_RATE unknown codes is refused with 429 on
every code, valid or not (a valid code must not be distinguishable), for GUARD_SECONDS from the lookup that went
over.

Counting is django-ratelimit's (a fixed-window counter in the cache, incremented only for unknown codes). Checking
reads one cache key that the counting sets once the client is over the limit: every answer pays a single cache GET,
where `is_ratelimited(..., increment=False)` costs two round trips (it first ADDs the counter, then reads it).
The client is identified as django-ratelimit does: REMOTE_ADDR, or the request header named by
RATELIMIT_IP_META_KEY behind a reverse proxy (X-Forwarded-For: its first address).
"""
import ipaddress

from django.conf import settings
from django.core.cache import caches
from django_ratelimit.core import is_ratelimited

GUESS_RATE = "30/10m"  # unknown-code lookups per client
GUARD_SECONDS = 10 * 60
GROUP = "surveys.unknown-code"


def client(request) -> str:
    """The client's address as the guard counts it: an IPv4 address, or the /64 network of an IPv6 one."""
    meta_key = getattr(settings, "RATELIMIT_IP_META_KEY", None) or "REMOTE_ADDR"
    raw = (request.META.get(meta_key) or "").split(",")[0].strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return f"unknown:{raw[:64]}"  # still one client: it is limited like any other
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def _cache():
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]


def _blocked_key(request) -> str:
    return f"{GROUP}:blocked:{client(request)}"


def is_blocked(request) -> bool:
    """Whether the client is over its guessing limit. One cache read."""
    return bool(_cache().get(_blocked_key(request)))


def count_unknown_code(request) -> bool:
    """Count one unknown-code lookup of the client; returns whether it is (now) over the limit, and from then on
    is_blocked says so for GUARD_SECONDS."""
    over = is_ratelimited(request, group=GROUP, key=lambda group, req: client(req), rate=GUESS_RATE,
                          increment=True)
    if over:
        _cache().set(_blocked_key(request), True, GUARD_SECONDS)
    return over
