"""Strict reading of settings from the environment (used by gradingsite/settings.py only).

Every reader takes the variable's name and a default, and either returns a value of its type or raises
ImproperlyConfigured naming the variable and the value it holds: a typo (`DEBUG=fasle`, `CONN_MAX_AGE=60s`,
`DATABASE_URL=postgress://…`) stops the site at start-up instead of being read as something else.

A variable that is unset, empty or only blanks counts as unset and gives the default (`VAR=` in an env file clears
it). Values are stripped of surrounding blanks.

- boolean: exactly one of true/false, 1/0, yes/no, on/off, in any case.
- integer: decimal digits with an optional minus sign, within the bounds given.
- choice: one of the choices given (compared case-insensitively; the choice as written in the code is returned).
- string_list: comma separated; blank items are dropped, a value with no item at all is refused.
- url / url_list: an absolute URL whose scheme is one of those given (and with a host, for http and https).
- path: an absolute file-system path (a relative one would depend on the directory the server starts in).
- database_url: a DATABASE_URL of a supported database, as Django's DATABASES entry (parsed by django-environ).

A URL's password is shown as *** in the messages.
"""
import os
import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off"})
_INTEGER = re.compile(r"-?[0-9]+")
# Scheme of DATABASE_URL → what it is; the project runs on these two only.
DATABASE_SCHEMES = {"sqlite": "SQLite", "postgres": "PostgreSQL", "postgresql": "PostgreSQL"}


def raw(name: str) -> str | None:
    """The variable's value, stripped; None when it is unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or None


def invalid(name: str, value: str, expected: str) -> ImproperlyConfigured:
    """The start-up error for a malformed value: the variable, its value and what was expected."""
    return ImproperlyConfigured(f"环境变量 {name} 的值无效 / invalid environment variable {name}={value!r}: "
                                f"expected {expected}.")


def string(name: str, default: str = "", *, pattern: str | None = None, expected: str = "") -> str:
    """The value as it is, or `default`. With `pattern`, the whole value must match it (`expected` says what
    that is, for the error message)."""
    value = raw(name)
    if value is None:
        return default
    if pattern is not None and not re.fullmatch(pattern, value):
        raise invalid(name, value, expected or f"a value matching {pattern}")
    return value


def boolean(name: str, default: bool) -> bool:
    value = raw(name)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise invalid(name, value, "one of true/false, 1/0, yes/no, on/off")


def integer(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = raw(name)
    if value is None:
        return default
    if not _INTEGER.fullmatch(value):
        raise invalid(name, value, "a whole number" + _bounds(minimum, maximum))
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise invalid(name, value, "a whole number" + _bounds(minimum, maximum))
    return number


def _bounds(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    if maximum is not None:
        return f" of at most {maximum}"
    return ""


def choice(name: str, choices: Sequence[str], default: str) -> str:
    value = raw(name)
    if value is None:
        return default
    for option in choices:
        if value.lower() == option.lower():
            return option
    raise invalid(name, value, "one of " + ", ".join(choices))


def string_list(name: str, default: Iterable[str]) -> list[str]:
    value = raw(name)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise invalid(name, value, "a comma separated list with at least one item")
    return items


def without_password(value: str) -> str:
    """`value` with the password of a URL's user part (scheme://user:password@host) replaced by ***, for messages."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/?#@:]*:)[^/?#]*@", r"\1***@", value)


def _check_url(name: str, value: str, whole: str, schemes: Sequence[str]) -> str:
    expected = "a URL starting with " + " or ".join(f"{s}://" for s in schemes)
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise invalid(name, without_password(whole), expected) from None
    if parts.scheme.lower() not in schemes or not value[len(parts.scheme):].startswith("://"):
        raise invalid(name, without_password(whole), expected)
    if parts.scheme.lower() in ("http", "https") and not host:
        raise invalid(name, without_password(whole), expected + " and a host name")
    return value


def url(name: str, default: str, *, schemes: Sequence[str]) -> str:
    """An absolute URL with one of `schemes` (the default is returned unchecked)."""
    value = raw(name)
    if value is None:
        return default
    return _check_url(name, value, value, schemes)


def url_list(name: str, default: Iterable[str], *, schemes: Sequence[str]) -> list[str]:
    """Comma separated absolute URLs, each with one of `schemes`."""
    value = raw(name)
    if value is None:
        return list(default)
    return [_check_url(name, item, value, schemes) for item in string_list(name, default)]


def path(name: str, default: str) -> str:
    value = raw(name)
    if value is None:
        return default
    expanded = os.path.expanduser(value)
    if not os.path.isabs(expanded):
        raise invalid(name, value, "an absolute path")
    return expanded


def database_url(name: str, default: str) -> dict:
    """Django's DATABASES entry for the URL in `name` (or `default`): sqlite:///PATH or
    postgres://USER:PASSWORD@HOST:PORT/NAME?OPTIONS. Any other scheme, or a URL without a database name, is
    refused."""
    import environ  # django-environ: only its URL parser is used

    value = raw(name) or default
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if scheme not in DATABASE_SCHEMES:
        schemes = " or ".join(f"{s}://" for s in DATABASE_SCHEMES)
        raise invalid(name, without_password(value), f"a URL starting with {schemes}")
    config = environ.Env.db_url_config(value)
    if not config.get("NAME"):
        raise invalid(name, without_password(value), f"a {DATABASE_SCHEMES[scheme]} URL naming the database")
    return config
