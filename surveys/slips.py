"""Printable slips (A4, ten a page, QR code + short code) and the CSV of links for a batch of fresh codes."""
import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from core import csvsafe
from surveys import tokens

SLIPS_PER_PAGE = 10


def survey_link(code: str) -> str:
    """The absolute link a code opens: SITE_URL/s/<code>/."""
    return settings.SITE_URL + reverse("survey_form", args=[code])


def entry_link() -> str:
    """The absolute address of the page where a code is typed in."""
    return settings.SITE_URL + reverse("survey_entry")


def _qr_data_uri(text: str) -> str:
    """The QR code of `text` as an SVG data URI, with the four-module quiet zone the QR standard asks for (with two,
    one code in thirty failed to decode from a 200 dpi scan of the slips)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def slips_pdf(*, codes, campaign, org) -> bytes:
    """A4 PDF, SLIPS_PER_PAGE slips a page in code order, each with the QR code of its link, the grouped code, the
    org, the campaign and one line of instructions; dashed cut lines between slips."""
    from weasyprint import HTML

    slips = [{"code": tokens.grouped(c), "qr": _qr_data_uri(survey_link(c))} for c in codes]
    pages = [slips[i:i + SLIPS_PER_PAGE] for i in range(0, len(slips), SLIPS_PER_PAGE)]
    rows = [[page[i:i + 2] for i in range(0, len(page), 2)] for page in pages]
    html = render_to_string("surveys/slips.html", {
        "pages": rows, "campaign": campaign, "org": org, "entry_link": entry_link(),
    })
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def tokens_csv(*, codes, campaign, org) -> bytes:
    """UTF-8 CSV (with BOM, for Excel) with one row per code: 序号, 测评码, 链接, 党组织, 定级工作; no cell can start
    a formula (core.csvsafe)."""
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)
    writer.writerow(["序号", "测评码", "链接", "党组织", "定级工作"])
    for number, code in enumerate(codes, start=1):
        writer.writerow([number, tokens.grouped(code), survey_link(code), org.name, campaign.name])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
