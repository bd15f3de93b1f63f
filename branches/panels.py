"""Extension point of the org detail page: higher apps (scoring, surveys, …) add panels without branches importing
them.

    from branches.panels import register_org_panel

    @register_org_panel
    def grades_panel(request, org):
        if nothing_to_show:
            return None
        return {"title": "历次定级", "template": "scoring/panels/grades.html", "context": {"rows": rows}}
        # or {"title": "…", "html": format_html(...)}  (html must already be safe)

Register in the app's AppConfig.ready(). `fn(request, org)` is called on every view of /orgs/<code>/ after the
access check (the org is one the user may view); it must do its own finer checks (e.g. hide scores from a
secretary) and keep its queries few. Panels render in registration order.
"""
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

_panels: list = []


def register_org_panel(fn):
    """Add `fn` to the org detail page (once, however often it is registered). Returns `fn` (usable as a
    decorator)."""
    if fn not in _panels:
        _panels.append(fn)
    return fn


def unregister_org_panel(fn):
    """Remove `fn` if registered (for tests and reloading)."""
    if fn in _panels:
        _panels.remove(fn)


def render_org_panels(request, org) -> list[dict]:
    """[{"title", "html"}] for every registered panel that has something to show for `org`, in order.

    A panel returning a dict with "template" is rendered with its "context" (plus request and org); one with
    "html" must return safe HTML (format_html / render_to_string) — plain strings are escaped."""
    rendered = []
    for fn in _panels:
        panel = fn(request, org)
        if not panel:
            continue
        if "template" in panel:
            context = {"org": org, **panel.get("context", {})}
            html = mark_safe(render_to_string(panel["template"], context, request=request))
        else:
            html = panel.get("html", "")
            if not isinstance(html, SafeString):
                from django.utils.html import escape

                html = escape(html)
        rendered.append({"title": panel.get("title", ""), "html": html})
    return rendered
