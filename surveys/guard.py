"""The guard of the respondent pages against guessing codes.

A client — its IP address, an IPv6 /64 — that looked up more than GUESS_RATE unknown codes is refused with 429 on
every code, valid or not (a valid code must not be distinguishable), for GUARD_SECONDS from the lookup that went
over.

Counting is django-ratelimit's (a fixed-window counter in the cache, incremented only for unknown codes). The
client that goes over gets a GuessBlock row (a keyed hash of its address, with an expiry): a page checks it with
one query, and the answer statement of a POST (services.answer_by_code) checks it itself, so an answer costs no
round trip for the guard. The client is identified as django-ratelimit does: REMOTE_ADDR, or the request header
named by RATELIMIT_IP_META_KEY behind a reverse proxy (X-Forwarded-For: its first address).

With the cache (Redis) unreachable the survey keeps working: lookups are counted in a counter of this process
(the same rate, per server process), and a client that goes over is still blocked through the database.
"""
import datetime
import ipaddress
import logging
import time

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_ratelimit.core import is_ratelimited
from redis.exceptions import RedisError

from surveys.models import GuessBlock

GUESS_RATE = "30/10m"  # unknown-code lookups per client
GUARD_SECONDS = 10 * 60
GROUP = "surveys.unknown-code"
# What a cache call raises when Redis does not answer (refused, reset, timed out).
CACHE_DOWN = (RedisError, OSError)

log = logging.getLogger(__name__)
_local_counts = LocMemCache("surveys-guard-fallback", {"MAX_ENTRIES": 100_000})


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


def client_key(request) -> str:
    """The client as GuessBlock stores it: a keyed hash of client(request), never the address."""
    return salted_hmac(GROUP, client(request), algorithm="sha256").hexdigest()


def is_blocked(request) -> bool:
    """Whether the client is over its guessing limit. One query."""
    return GuessBlock.objects.current().filter(client=client_key(request)).exists()


def count_unknown_code(request) -> bool:
    """Count one unknown-code lookup of the client; returns whether it is (now) over the limit, and from then on
    it is blocked for GUARD_SECONDS (expired blocks are deleted then too)."""
    try:
        over = is_ratelimited(request, group=GROUP, key=lambda group, req: client(req), rate=GUESS_RATE,
                              increment=True)
    except CACHE_DOWN as exc:
        log.warning("guess counter unreachable, counting in this process: %s", exc)
        over = _count_locally(client(request))
    if over:
        now = timezone.now()
        with transaction.atomic():
            GuessBlock.objects.filter(until__lte=now).delete()
            GuessBlock.objects.update_or_create(client=client_key(request),
                                                defaults={"until": now + datetime.timedelta(seconds=GUARD_SECONDS)})
    return over


def _count_locally(who: str) -> bool:
    """GUESS_RATE in this process's memory (a fixed window, as django-ratelimit counts): over the limit?"""
    limit = int(GUESS_RATE.split("/")[0])
    window = GUARD_SECONDS  # GUESS_RATE's window ("/10m")
    key = f"{who}:{int(time.time() // window)}"
    _local_counts.add(key, 0, timeout=window + 60)
    return _local_counts.incr(key) > limit
