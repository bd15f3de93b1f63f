"""Django admin for superusers: sectors, orgs (export in the import columns), roles on the user page."""
import io

import openpyxl
from django.urls import reverse

from branches.admin import OrgResource
from branches.services import parse_org_workbook
from tests.conftest import login


def test_admin_pages_open_for_a_superuser(client, superuser, tree, staff):
    login(client, superuser)
    for url in [reverse("admin:branches_org_changelist"), reverse("admin:branches_sector_changelist"),
                reverse("admin:auth_user_change", args=[staff.pk]),
                reverse("admin:branches_org_change", args=[tree["vil-2"].pk])]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "角色" in client.get(reverse("admin:auth_user_change", args=[staff.pk])).content.decode()


def test_admin_refuses_staff_without_django_admin_rights(client, staff):
    response = login(client, staff).get(reverse("admin:branches_org_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_org_export_uses_the_import_columns_and_reimports_unchanged(tree):
    dataset = OrgResource().export()
    assert dataset.headers == ["组织编码", "组织名称", "组织类型", "上级组织编码", "所属领域", "书记", "党员人数",
                               "近三年发展党员数"]
    rows = {r[0]: r for r in dataset}
    assert rows["vil-1-b1"][2:5] == ("党支部", "vil-1", "村") and rows["county"][3] == ""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(dataset.headers)
    for r in dataset:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    plan = parse_org_workbook(buf)
    assert plan.ok and len(plan.unchanged) == len(tree) and not plan.created and not plan.updated
