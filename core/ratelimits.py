"""Rate limits: the page shown when a limit is hit (django-ratelimit's RATELIMIT_VIEW, and views that check a
limit themselves with block=False)."""
from django.shortcuts import render


def ratelimited(request, exception=None):
    return render(request, "errors/429.html", status=429)
