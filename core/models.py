"""Login state kept beside Django's user: whether the password must be changed before the site can be used."""
from django.conf import settings
from django.db import models


class PasswordState(models.Model):
    """One row per user whose password was set by someone else (an initial password from staff or an import, or a
    reset). `must_change` holds until the user chooses a password of their own (core.views.password_change).
    A user without a row chose their own password, or is a demo account, or predates the rule."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                                related_name="password_state")
    must_change = models.BooleanField("须修改密码", default=True)
    set_at = models.DateTimeField("设置时间", auto_now=True)

    class Meta:
        verbose_name = "密码状态"
        verbose_name_plural = "密码状态"

    def __str__(self):
        return f"{self.user}: {'须修改' if self.must_change else '已修改'}"
