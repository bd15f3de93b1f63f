from django.apps import AppConfig
from django.core import checks


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = "组织与人员"

    def ready(self):
        from branches.checks import check_org_codes

        checks.register(check_org_codes, checks.Tags.database)
