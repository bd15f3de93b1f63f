"""Values as printed (PDF cells, page forms)."""
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

TENTH = Decimal("0.1")


def cell_text(value, kind: str = "text") -> str:
    """Scores with one decimal, shares as 0.0%, dates as YYYY-MM-DD, None as blank, the rest as str()."""
    if value is None:
        return ""
    if kind == "percent":
        if isinstance(value, Fraction):
            value = Decimal(value.numerator) / Decimal(value.denominator)
        return f"{(Decimal(value) * 100).quantize(TENTH)}%"
    if kind == "score":
        return f"{Decimal(value).quantize(TENTH)}"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
