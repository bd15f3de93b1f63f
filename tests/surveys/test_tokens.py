"""Codes: format, issuing (command and staff page), slips PDF with decodable QR codes, CSV, audit."""
import csv
import io
import math
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import AuditEntry
from campaigns.models import Phase
from surveys import services, tokens
from surveys.models import SurveyToken
from tests.conftest import login


def test_codes_are_random_long_and_unambiguous():
    codes = {tokens.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 13 and set(c) <= set(tokens.ALPHABET) for c in codes)
    assert not set("0O1IL") & set("".join(codes))
    assert tokens.LENGTH * math.log2(len(tokens.ALPHABET)) >= 60
    assert set("".join(codes)) == set(tokens.ALPHABET)  # every symbol is used


@pytest.mark.parametrize("typed, expected", [
    ("ABCD-EFGH-JKMNP", "ABCDEFGHJKMNP"),
    (" abcd efgh jkmnp ", "ABCDEFGHJKMNP"),
    ("abcdefghjkmnp", "ABCDEFGHJKMNP"),
    ("ABCD–EFGH–JKMNP", "ABCDEFGHJKMNP"),
    ("ABCD-EFGH-JKMN", None),       # too short
    ("ABCD-EFGH-JKMNO", None),      # O is not in the alphabet
    ("ABCD-EFGH-JKMN1", None),
    ("", None),
])
def test_normalise(typed, expected):
    assert tokens.normalise(typed) == expected


def test_grouped():
    assert tokens.grouped("ABCDEFGHJKMNP") == "ABCD-EFGH-JKMNP"


def test_issue_only_for_a_target_org_in_an_open_campaign(survey_campaign, tree):
    with pytest.raises(services.SurveyError, match="不是本次定级工作的定级对象"):
        services.issue_tokens(campaign=survey_campaign, org=tree["vil-1-b1"], count=3)
    with pytest.raises(services.SurveyError, match="1 到 1000"):
        services.issue_tokens(campaign=survey_campaign, org=tree["vil-2"], count=0)
    survey_campaign.phase = Phase.REVIEW
    survey_campaign.save()
    with pytest.raises(services.SurveyError, match="测评已结束"):
        services.issue_tokens(campaign=survey_campaign, org=tree["vil-2"], count=3)
    assert SurveyToken.objects.count() == 0


def test_command_writes_csv_and_slips_and_audits_the_count(survey_campaign, tree, tmp_path, settings):
    settings.SITE_URL = "https://dj.example.cn"
    pdf, csv_path = tmp_path / "slips.pdf", tmp_path / "codes.csv"
    call_command("issue_tokens", "--campaign", survey_campaign.slug, "--org", "vil-2", "--count", "12",
                 "--slips", str(pdf), "--csv", str(csv_path), stdout=io.StringIO())
    assert SurveyToken.objects.filter(org=tree["vil-2"]).count() == 12
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text("utf-8-sig"))))
    assert len(rows) == 12
    for row in rows:
        code = tokens.normalise(row["测评码"])
        assert code and row["测评码"] == tokens.grouped(code)
        assert row["链接"] == f"https://dj.example.cn/s/{code}/"
        assert SurveyToken.objects.filter(digest=tokens.digest(code)).exists()
    entry = AuditEntry.objects.get(action="survey.tokens_issued")
    assert entry.after == {"count": 12} and entry.campaign_id == survey_campaign.pk
    assert not any(tokens.normalise(r["测评码"]) in str(entry.__dict__) for r in rows)

    # The PDF: 12 slips at 10 a page → 2 pages, and the QR codes decode to exactly the CSV links.
    from PIL import Image
    from pypdf import PdfReader
    from pyzbar.pyzbar import decode

    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 2
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width) * 25.4 / 72), round(float(height) * 25.4 / 72)) == (210, 297)  # A4 in mm
    text = "".join(p.extract_text() for p in reader.pages)
    assert tree["vil-2"].name in text and "输入测评码" in text
    subprocess.run(["pdftoppm", "-png", "-r", "110", str(pdf), str(tmp_path / "page")], check=True)
    decoded, per_page = [], []
    for png in sorted(tmp_path.glob("page*.png")):
        found = [d.data.decode() for d in decode(Image.open(png))]
        per_page.append(len(found))
        decoded += found
    assert per_page == [10, 2]
    assert sorted(decoded) == sorted(r["链接"] for r in rows)


def test_command_refuses_bad_input(survey_campaign, tmp_path):
    out = str(tmp_path / "x.csv")
    with pytest.raises(CommandError, match="没有代码为"):
        call_command("issue_tokens", "--campaign", "nope", "--org", "vil-2", "--count", "1", "--csv", out)
    with pytest.raises(CommandError, match="没有组织编码"):
        call_command("issue_tokens", "--campaign", survey_campaign.slug, "--org", "nope", "--count", "1", "--csv", out)
    with pytest.raises(CommandError, match="定级对象"):
        call_command("issue_tokens", "--campaign", survey_campaign.slug, "--org", "town-a", "--count", "1",
                     "--csv", out)
    with pytest.raises(CommandError, match="--slips"):
        call_command("issue_tokens", "--campaign", survey_campaign.slug, "--org", "vil-2", "--count", "1")
    assert SurveyToken.objects.count() == 0


# ---- the staff page -------------------------------------------------------------------------------------------

def _url(campaign, code="vil-2"):
    return reverse("survey_issue_tokens", args=[campaign.slug, code])


@pytest.mark.parametrize("persona", ["staff", "reviewer_of_township"])
def test_staff_and_reviewer_above_download_csv(client, request, persona, survey_campaign):
    login(client, request.getfixturevalue(persona))
    assert client.get(_url(survey_campaign)).status_code == 200
    response = client.post(_url(survey_campaign), {"count": "3", "output": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 4 and "/s/" in lines[1]
    assert SurveyToken.objects.filter(org__code="vil-2").count() == 3
    assert AuditEntry.objects.get(action="survey.tokens_issued").actor == request.getfixturevalue(persona)


def test_staff_page_pdf(client, staff, survey_campaign):
    response = login(client, staff).post(_url(survey_campaign), {"count": "2", "output": "pdf"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_staff_page_shows_bad_count(client, staff, survey_campaign):
    response = login(client, staff).post(_url(survey_campaign), {"count": "5000", "output": "csv"})
    assert response.status_code == 400 and "最多发放 1000" in response.content.decode()
    assert SurveyToken.objects.count() == 0


def test_issue_page_refuses_wrong_roles(client, survey_campaign, other_reviewer, secretary_of_branch,
                                        reviewer_of_township):
    assert client.get(_url(survey_campaign)).status_code == 302  # anonymous → login
    assert login(client, other_reviewer).post(_url(survey_campaign), {"count": "3", "output": "csv"}).status_code == 404
    assert login(client, secretary_of_branch).post(_url(survey_campaign),
                                                   {"count": "3", "output": "csv"}).status_code == 403
    # a reviewer cannot issue for orgs outside their subtree, nor for an org that is not a 定级对象
    assert login(client, reviewer_of_township).get(_url(survey_campaign, "vil-3")).status_code == 404
    assert login(client, reviewer_of_township).get(_url(survey_campaign, "vil-1-b1")).status_code == 404
    assert SurveyToken.objects.count() == 0
