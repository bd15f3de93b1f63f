"""The password rules: at least 8 characters from 3 of upper, lower, digit, symbol; Django's other rules; every
message in Chinese."""
import re

import pytest
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError

from core.passwords import ComplexityValidator, character_classes

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("password,ok", [
    ("Demo@2026", True),  # the demo password: all four classes
    ("Abcdefg1", True),  # upper, lower, digit; exactly 8
    ("abcdefg1!", True),  # lower, digit, symbol
    ("ABCDEFG1!", True),  # upper, digit, symbol
    ("Abcdefgh!", True),  # upper, lower, symbol
    ("Ab1!xyz", False),  # four classes but 7 characters
    ("abcdefgh1", False),  # two classes
    ("ABCDEFGH", False),  # one class
    ("12345678", False),
    ("abc def 1", False),  # a blank is not a symbol
    ("密码密码Ab12", True),  # Chinese characters count toward the length, not as a class
    ("密码密码密码ab1", False),
])
def test_complexity_rule(password, ok):
    validator = ComplexityValidator()
    if ok:
        validator.validate(password)
    else:
        with pytest.raises(ValidationError) as raised:
            validator.validate(password)
        assert raised.value.messages == ["密码至少 8 位，并包含大写字母、小写字母、数字、符号中的至少 3 类。"]


def test_character_classes():
    assert character_classes("aB3$") == {"大写字母", "小写字母", "数字", "符号"}
    assert character_classes("中文") == set()


@pytest.mark.parametrize("password,fragment", [
    ("12345678", "不能全是数字"),
    ("Password1", "太常见"),
    ("zhangsan2026!", "太相似"),
    ("short", "至少 8 位"),
])
def test_site_rules_refuse_with_chinese_messages(db, password, fragment):
    user = get_user_model()(username="zhangsan2026", first_name="张三")
    with pytest.raises(ValidationError) as raised:
        password_validation.validate_password(password, user)
    messages = raised.value.messages
    assert any(fragment in m for m in messages), messages
    assert all(CJK.search(m) for m in messages), messages  # no English message left


def test_help_texts_are_chinese():
    texts = password_validation.password_validators_help_texts()
    assert len(texts) == 4 and all(CJK.search(t) for t in texts)


def test_the_people_page_applies_the_rules(client, staff):
    from django.urls import reverse

    from tests.conftest import login

    login(client, staff)
    response = client.post(reverse("people_create_user"), {"new-username": "lisi",
                                                "new-full_name": "李四", "new-password": "lisi12345"})
    assert response.status_code == 400 and "至少 3 类" in response.content.decode()
    assert not get_user_model().objects.filter(username="lisi").exists()
