"""Survey codes (测评码): random, short enough to type from a slip, unambiguous when read aloud or handwritten.

A code is 13 symbols of a 31-symbol alphabet (digits 2–9 and A–Z without I, L, O: no 0/O/1/I/L confusion),
i.e. 13 × log2(31) ≈ 64.4 bits from `secrets`. It is shown grouped ABCD-EFGH-JKLMN; input is accepted in any
case, with or without dashes and spaces. Only the SHA-256 digest of a code is stored.
"""
import hashlib
import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 13
GROUPS = (4, 4, 5)

assert len(ALPHABET) == 31 and not set("01ILO") & set(ALPHABET)

_VALID = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")


def new_code() -> str:
    """A fresh random code (13 symbols, no separators)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str | None:
    """The canonical code typed as `text` (case, dashes and spaces ignored), or None if it cannot be a code."""
    cleaned = re.sub(r"[\s\-‐‑–—_.·]", "", text or "").upper()
    return cleaned if _VALID.match(cleaned) else None


def grouped(code: str) -> str:
    """ABCD-EFGH-JKLMN: how a code is printed."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(code[start:start + size])
        start += size
    return "-".join(parts)


def digest(code: str) -> str:
    """What the database stores for a canonical code."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()
