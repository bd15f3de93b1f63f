from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django import template

register = template.Library()


@register.filter
def percent(value):
    """A Fraction (or None) as a percentage with one decimal, rounded half up: Fraction(13, 15) → "86.7%"."""
    if value is None:
        return "—"
    value = Fraction(value) * 100
    shown = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{shown}%"
