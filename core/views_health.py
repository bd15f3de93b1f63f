"""`/healthz` for the load balancer: 200 "ok" or 503 "unavailable", with the checks' detail only for a user with
access to the admin site (Django's is_staff: the operators; core knows nothing of the domain roles) or a caller
sending the HEALTHZ_TOKEN setting in the X-Healthz-Token header. Not rate-limited; writes nothing (no session, no
database row)."""
import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core import health

TOKEN_HEADER = "HTTP_X_HEALTHZ_TOKEN"


def _may_see_detail(request) -> bool:
    token = getattr(settings, "HEALTHZ_TOKEN", "") or ""
    sent = request.META.get(TOKEN_HEADER, "")
    if token and sent and hmac.compare_digest(token.encode(), sent.encode()):
        return True
    # Only a session cookie makes Django read the session; a probe without one costs no query here.
    return bool(request.COOKIES.get(settings.SESSION_COOKIE_NAME)) and request.user.is_staff


@never_cache
@require_safe
def healthz(request):
    checks = health.all_checks()
    healthy = all(c.ok for c in checks)
    status = 200 if healthy else 503
    if _may_see_detail(request):
        return JsonResponse({"status": "ok" if healthy else "unavailable", "checks": [c.as_dict() for c in checks]},
                            status=status)
    return HttpResponse("ok" if healthy else "unavailable", status=status, content_type="text/plain; charset=utf-8")
