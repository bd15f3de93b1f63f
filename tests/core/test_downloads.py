import re
from urllib.parse import unquote

import pytest
from django.urls import reverse

from campaigns.models import Phase
from core.downloads import ascii_filename, clean_filename, content_disposition
from tests.conftest import login

HEADER = re.compile(r"""^attachment; filename="([\x20-\x7e]*)"; filename\*=UTF-8''([A-Za-z0-9%._~-]+)$""")


def _parts(header):
    match = HEADER.match(header)
    assert match, header
    fallback, encoded = match.groups()
    assert '"' not in fallback and "\\" not in fallback and "/" not in fallback
    return fallback, unquote(encoded, errors="strict")


@pytest.mark.parametrize("name, clean, fallback", [
    ("c2026_yilan_20261204.xlsx", "c2026_yilan_20261204.xlsx", "c2026_yilan_20261204.xlsx"),
    ('survey-c2026-a"村.csv', "survey-c2026-a_村.csv", "survey-c2026-a.csv"),
    ("党组织导入模板.xlsx", "党组织导入模板.xlsx", "download.xlsx"),
    ("a/../b.pdf", "a_.._b.pdf", "a_.._b.pdf"),
    ("..\\evil.pdf", "_evil.pdf", "evil.pdf"),
    ("x\r\nSet-Cookie: a=b.pdf", "xSet-Cookie_ a=b.pdf", "xSet-Cookie__a_b.pdf"),
    ("Café \x00.pdf", "Café .pdf", "Cafe.pdf"),
    ("", "download", "download"),
])
def test_names(name, clean, fallback):
    assert clean_filename(name) == clean
    assert ascii_filename(clean) == fallback
    assert _parts(content_disposition(name)) == (fallback, clean)


def test_long_names_keep_their_extension():
    name = clean_filename("党" * 400 + ".pdf")
    assert len(name) == 150 and name.endswith(".pdf")


def test_token_download_of_a_code_with_a_quote_and_chinese(client, staff, campaign, tree):
    campaign.phase = Phase.SURVEY
    campaign.save()
    org = tree["vil-2"]
    org.code = 'v"二村'
    org.save()
    response = login(client, staff).post(reverse("survey_issue_tokens", args=[campaign.slug, org.code]),
                                         {"count": "1", "output": "csv"})
    assert response.status_code == 200
    fallback, name = _parts(response["Content-Disposition"])
    assert name == f"survey-{campaign.slug}-v_二村.csv"
    assert fallback == f"survey-{campaign.slug}-v.csv"


def test_org_template_download(client, staff):
    response = login(client, staff).get(reverse("org_import_template"))
    assert response.status_code == 200
    assert _parts(response["Content-Disposition"]) == ("download.xlsx", "党组织导入模板.xlsx")
