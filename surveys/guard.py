"""The guard of the respondent pages against guessing codes.

A client — its IP address, an IPv6 /64 — that looked up more than GUESS_RATE unknown codes is refused with 429 on
every code, valid or not (a valid code must not be distinguishable), for GUARD_SECONDS from the lookup that went
over.

Counting is django-ratelimit's (a fixed-window counter in the cache, incremented only for unknown codes). The
client that goes over gets a GuessBlock row (a keyed hash of its address, with an expiry): a page checks it with
one query, and the answer statement of a POST (services.answer_by_code) checks it itself, so an answer costs no
round trip for the guard. The client is identified as django-ratelimit does: REMOTE_ADDR, or the request header
named by RATELIMIT_IP_META_KEY behind a reverse proxy (X-Forwarded-For: its first address).
"""
import datetime
import ipaddress

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_ratelimit.core import is_ratelimited

from surveys.models import GuessBlock

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


def client_key(request) -> str:
    """The client as GuessBlock stores it: a keyed hash of client(request), never the address."""
    return salted_hmac(GROUP, client(request), algorithm="sha256").hexdigest()


def is_blocked(request) -> bool:
    """Whether the client is over its guessing limit. One query."""
    return GuessBlock.objects.current().filter(client=client_key(request)).exists()


def count_unknown_code(request) -> bool:
    """Count one unknown-code lookup of the client; returns whether it is (now) over the limit, and from then on
    it is blocked for GUARD_SECONDS (expired blocks are deleted then too)."""
    over = is_ratelimited(request, group=GROUP, key=lambda group, req: client(req), rate=GUESS_RATE,
                          increment=True)
    if over:
        now = timezone.now()
        with transaction.atomic():
            GuessBlock.objects.filter(until__lte=now).delete()
            GuessBlock.objects.update_or_create(client=client_key(request),
                                                defaults={"until": now + datetime.timedelta(seconds=GUARD_SECONDS)})
    return over
