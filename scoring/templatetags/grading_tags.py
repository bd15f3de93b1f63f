"""Template filters of the grading pages."""
from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain(value):
    """A Decimal as people write it: 15, 7.5, 0.6 (no trailing zeros, never an exponent); "" for None."""
    if value is None or value == "":
        return ""
    if not isinstance(value, Decimal):
        return value
    return format(value.normalize(), "f")


@register.filter
def percent(fraction):
    """An exact rate as a percentage with one decimal (86.7%)."""
    if fraction is None:
        return "—"
    from scoring.engine import round_half_up

    text = str(round_half_up(fraction * 100, 1))
    return (text[:-2] if text.endswith(".0") else text) + "%"


@register.filter
def person(user):
    """A user's full name, else username; "—" for nobody (system or a deleted account)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()
