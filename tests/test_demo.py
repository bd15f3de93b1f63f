"""`manage.py demo` loads a realistic county through the services, and a second run changes nothing."""
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from branches.models import Org, RoleAssignment
from campaigns.models import Campaign, Phase
from campaigns.selectors import targets
from scoring.models import Grade


def table_counts():
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()
            if m._meta.app_label in {"branches", "scoring", "surveys", "audit", "auth"}}


@pytest.mark.django_db
def test_demo_loads_a_county_and_is_idempotent():
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert "Demo@2026" in text and "zzb" in text and "sj_cg_c03" in text

    assert Org.objects.count() >= 150
    sectors = set(Org.objects.exclude(sector=None).values_list("sector__name", flat=True))
    assert {"村", "社区", "机关事业单位", "国有企业和国有金融机构", "非公有制经济组织", "社会组织", "中小学校",
            "高校教师党支部", "高校学生党支部"} <= sectors
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == {"staff", "reviewer", "secretary"}

    finished, current, college = (Campaign.objects.get(slug=s) for s in ("sfx-2025", "sfx-2026", "xy-2026"))
    assert current.phase == Phase.SELF and current.previous == finished
    assert college.phase == Phase.PUBLICITY
    assert finished.phase == Phase.RECTIFY
    # Every 定级对象 of the finished round has a grade; the school uses the school scale.
    graded = Grade.objects.filter(campaign=finished).exclude(computed_label="")
    assert graded.count() == targets(finished).count()
    school_labels = set(graded.filter(org__sector__name="中小学校").values_list("computed_label", flat=True))
    assert school_labels <= {"先进", "较好", "一般", "后进"}

    # The demo accounts log in with the printed password and are not asked to change it.
    client = Client()
    assert client.post("/login/", {"username": "zzb", "password": "Demo@2026"}).status_code == 302
    assert client.get("/").status_code == 200

    before = table_counts()
    call_command("demo", stdout=io.StringIO())
    assert table_counts() == before
