"""System check branches.W001: orgs whose code was saved before the rule of branches.codes and breaks it. They
keep working (pages, URLs, re-import of an export); the warning tells an operator which ones to rename.

Registered in BranchesConfig.ready() with the database tag: like Django's own database checks it reads only the
databases it is given — `manage.py check --database default`, and every `migrate`."""
from django.core import checks
from django.db import DatabaseError

from branches.codes import code_problem, shown_code
from branches.models import Org

SHOWN = 20


def check_org_codes(app_configs=None, databases=None, **kwargs):
    """Per database given, one warning listing up to SHOWN orgs (name and code, in tree order) whose code fails
    the rule, with their total count; nothing when every code passes."""
    warnings = []
    for alias in databases or []:
        try:
            bad = [(name, code) for name, code in
                   Org.objects.using(alias).order_by("path").values_list("name", "code").iterator()
                   if code_problem(code)]
        except DatabaseError:  # no table yet (before the first migrate)
            continue
        if bad:
            warnings.append(_warning(bad))
    return warnings


def _warning(bad: list[tuple[str, str]]) -> checks.Warning:
    shown = "、".join(f"{name}（“{shown_code(code)}”）" for name, code in bad[:SHOWN])
    more = f" 等，共 {len(bad)} 个" if len(bad) > SHOWN else f"，共 {len(bad)} 个"
    return checks.Warning(
        f"有党组织的编码不符合规则：{shown}{more}。",
        hint="这些编码仍可使用；新编码只能使用字母、数字和 - _ .，1–64 个字符。请在管理后台改为符合规则的编码。",
        obj="branches.Org",
        id="branches.W001",
    )
