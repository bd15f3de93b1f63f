import csv
import io

import pytest
from django.urls import reverse

from campaigns.models import Phase
from core import csvsafe
from tests.conftest import login

EVIL = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("value, expected", [
    (EVIL, "'" + EVIL),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("二村党支部", "二村党支部"),
    ("a=b", "a=b"),
    ("", ""),
    (-3, -3),
    (None, None),
])
def test_safe_cell(value, expected):
    assert csvsafe.safe_cell(value) == expected


def test_writer_neutralises_every_cell():
    buffer = io.StringIO()
    w = csvsafe.writer(buffer)
    w.writerow(["序号", EVIL])
    w.writerows([[1, "@x"], [2, "ok"]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["序号", "'" + EVIL], ["1", "'@x"], ["2", "ok"]]


def test_links_csv_of_an_org_named_like_a_formula(client, staff, campaign, tree):
    campaign.phase = Phase.SURVEY
    campaign.save()
    org = tree["vil-2"]
    org.name = EVIL
    org.save()
    response = login(client, staff).post(reverse("survey_issue_tokens", args=[campaign.slug, org.code]),
                                         {"count": "2", "output": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["党组织"] for r in rows] == ["'" + EVIL] * 2
    assert not any(cell.startswith(csvsafe.FORMULA_PREFIXES) for r in rows for cell in r.values())
