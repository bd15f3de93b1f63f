"""The site's password rules (AUTH_PASSWORD_VALIDATORS), with Chinese messages.

Django's own validators (similarity to the user's attributes, common passwords, all digits), whose messages are
not all translated, with Chinese messages and help texts; and the complexity rule, which includes the length: at least MIN_LENGTH characters from at least
MIN_CLASSES of the four classes upper-case letter, lower-case letter, digit, symbol.
"""
from django.contrib.auth import password_validation as django_validation
from django.core.exceptions import ValidationError

MIN_LENGTH = 8
MIN_CLASSES = 3
CLASSES = {
    "大写字母": str.isupper,
    "小写字母": str.islower,
    "数字": str.isdigit,
    "符号": lambda c: not c.isalnum() and not c.isspace(),
}
_CLASS_TEXT = "大写字母、小写字母、数字、符号"


def character_classes(password: str) -> set[str]:
    """The classes of CLASSES that `password` has a character of (ASCII and non-ASCII letters alike)."""
    return {name for name, test in CLASSES.items() if any(test(c) for c in password)}


class ComplexityValidator:
    """At least `min_length` characters, from at least `min_classes` of upper, lower, digit and symbol."""

    def __init__(self, min_length: int = MIN_LENGTH, min_classes: int = MIN_CLASSES):
        self.min_length, self.min_classes = min_length, min_classes

    def validate(self, password, user=None):
        if len(password) < self.min_length or len(character_classes(password)) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return (f"密码至少 {self.min_length} 位，并包含{_CLASS_TEXT}中的至少 {self.min_classes} 类。")


class UserAttributeSimilarityValidator(django_validation.UserAttributeSimilarityValidator):
    def get_error_message(self):
        return "密码与%(verbose_name)s太相似。"

    def get_help_text(self):
        return "密码不能与用户名、姓名等个人信息太相似。"


class CommonPasswordValidator(django_validation.CommonPasswordValidator):
    def get_error_message(self):
        return "这个密码太常见，容易被猜到。"

    def get_help_text(self):
        return "不能使用常见密码。"


class NumericPasswordValidator(django_validation.NumericPasswordValidator):
    def get_error_message(self):
        return "密码不能全是数字。"

    def get_help_text(self):
        return "密码不能全是数字。"
