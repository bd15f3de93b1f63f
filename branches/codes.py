"""The one rule for org codes: 1–64 Unicode letters or digits plus ``-``, ``_`` and ``.`` — no ``/``, ``\\``,
quotes, whitespace or control characters, so a code is safe in URLs, file names and exported cells.

New codes are checked on import and by the model field's validator; codes saved before the rule existed keep
working and are listed by the system check ``branches.W001``. Pure: imports nothing from Django but the
ValidationError the validator raises."""
import re
import unicodedata

from django.core.exceptions import ValidationError

MAX_CODE_LENGTH = 64
# \w on str is every character str.isalnum() accepts (Unicode letters and digits, e.g. Chinese) plus "_".
CODE_RE = re.compile(rf"[\w.-]{{1,{MAX_CODE_LENGTH}}}")
ALLOWED = "只能使用字母、数字和 - _ .，1–64 个字符"


def _char_name(ch: str) -> str:
    """A disallowed character as a reader can see it: itself if printable, else 空格 / 制表符 / U+XXXX."""
    if ch == " ":
        return "空格"
    if ch == "\t":
        return "制表符"
    if ch in "\r\n":
        return "换行符"
    if ch == "\u3000":
        return "全角空格"
    if ch.isspace() or unicodedata.category(ch)[0] in "CZ":
        return f"U+{ord(ch):04X}"
    return ch


def shown_code(code: str) -> str:
    """The code quoted in a message, with unprintable characters (control, format) written as <U+XXXX>."""
    return "".join(ch if ch.isprintable() else f"<U+{ord(ch):04X}>" for ch in code)


def code_problem(code: str) -> str:
    """"" when `code` is a valid org code, else one Chinese sentence naming what is wrong."""
    if CODE_RE.fullmatch(code):
        return ""
    if not code:
        return f"组织编码不能为空：{ALLOWED}"
    bad = next((ch for ch in code if not CODE_RE.fullmatch(ch)), None)
    if bad is not None:
        return f"组织编码“{shown_code(code)}”含有不允许的字符“{_char_name(bad)}”：{ALLOWED}"
    return f"组织编码“{shown_code(code)}”有 {len(code)} 个字符，超过 {MAX_CODE_LENGTH} 个：{ALLOWED}"


def validate_org_code(code: str):
    """Model field validator: raises ValidationError with `code_problem`'s message."""
    problem = code_problem(code)
    if problem:
        raise ValidationError(problem, code="invalid_org_code")
