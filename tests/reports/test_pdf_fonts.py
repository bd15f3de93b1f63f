"""The PDFs' common CJK font (core.pdf_fonts, `manage.py build_pdf_fonts`): what it covers, that a character it lacks
is still drawn (from the system font, per character), that without it the system font is used as before, and that
the parallel layout still gives the pages of one document with it."""
import io
import re

import pytest
from django.core.management import call_command
from django.test import override_settings
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from core import pdf_fonts as fonts
from reports.writers import pdf as pdf_writer
from surveys.slips import slips_pdf
from tests.reports.helpers import pdf, pdf_text
from tests.reports.test_pdf_parallel import N, assert_same, big, pages, parallel  # noqa: F401 — fixtures, used by name

RARE = "堃喆"  # outside GB2312 and the project's own texts: not in the common font


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The common font built once for this module by the command, in a directory of its own: (directory, output)."""
    where = tmp_path_factory.mktemp("fonts")
    out = io.StringIO()
    with override_settings(PDF_FONT_DIR=str(where)):
        call_command("build_pdf_fonts", stdout=out)
    return where, out.getvalue()


@pytest.fixture
def common_font(built, settings):
    settings.PDF_FONT_DIR = str(built[0])
    return built[0]


@pytest.fixture
def no_font(settings, tmp_path):
    settings.PDF_FONT_DIR = str(tmp_path / "not-built")


def embedded_fonts(raw: bytes) -> dict[str, str]:
    """{font name without its subset tag: the characters its ToUnicode map gives} for every font of the PDF's pages
    (WeasyPrint puts them in the pages' own resources)."""
    found = {}
    for page in PdfReader(io.BytesIO(raw)).pages:
        for ref in (page["/Resources"].get("/Font") or {}).values():
            font = ref.get_object()
            name = str(font["/BaseFont"]).split("+", 1)[-1]
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            found[name] = found.get(name, "") + "".join(
                bytes.fromhex(h).decode("utf-16-be") for h in re.findall(r"<[0-9a-f]{4}> <([0-9a-f]+)>", cmap))
    return found


def test_command_builds_a_common_font_without_rare_characters(built):
    where, out = built
    assert "已生成 PDF 字体" in out
    for style in ("Regular", "Bold"):
        font = TTFont(where / f"NotoSansCJKsc-Common-{style}.otf")
        cmap = font.getBestCmap()
        for c in "党组织分类定级一览表序号填报单位，、：（）％—…≥0aZ":  # GB2312, punctuation, full-width, ASCII
            assert ord(c) in cmap, (style, c)
        for c in RARE + "犇昇":
            assert ord(c) not in cmap, (style, c)
        assert font["name"].getDebugName(1) == fonts.FAMILY
        assert font["name"].getDebugName(13).startswith("This Font Software is licensed under the SIL Open Font")
        assert len(font.getGlyphOrder()) < 10_000  # of 65,535 in the system face
        assert (where / f"NotoSansCJKsc-Common-{style}.otf").stat().st_size < 3_000_000


def test_command_is_idempotent(built, common_font):
    before = {p.name: p.stat().st_mtime_ns for p in common_font.iterdir()}
    out = io.StringIO()
    call_command("build_pdf_fonts", stdout=out)
    assert "已是最新" in out.getvalue()
    assert {p.name: p.stat().st_mtime_ns for p in common_font.iterdir()} == before


def test_rare_character_is_drawn_from_the_system_font(campaign, data, tree, common_font):
    org = tree["vil-1"]
    org.name = f"一村{RARE}党总支"
    org.save(update_fields=["name"])
    reader, raw = pdf(campaign, "yilan")
    assert f"一村{RARE}党总支" in pdf_text(reader)
    used = embedded_fonts(raw)
    assert set(used) == {"Noto-Sans-CJK-SC-Common", "Noto-Sans-CJK-SC-Common-Bold", "Noto-Sans-CJK-SC"}
    # The rare characters come from the system font (it has their glyphs), not as boxes from the common font.
    assert set(RARE) <= set(used["Noto-Sans-CJK-SC"])
    assert not set(RARE) & set(used["Noto-Sans-CJK-SC-Common"])
    assert "党" in used["Noto-Sans-CJK-SC-Common"] and "党" not in used["Noto-Sans-CJK-SC"]


def test_slips_use_the_common_font_and_fall_back_in_bold(campaign, tree, common_font):
    org = tree["vil-2"]
    org.name = f"二村{RARE}党支部"  # printed in bold on the slip
    raw = slips_pdf(codes=["ABCDEFGHJKLMN"], campaign=campaign, org=org)
    used = embedded_fonts(raw)
    assert {"Noto-Sans-CJK-SC-Common", "Noto-Sans-CJK-SC-Common-Bold", "Noto-Sans-CJK-SC-Bold"} <= set(used)
    assert set(RARE) <= set(used["Noto-Sans-CJK-SC-Bold"])
    assert "测评" in used["Noto-Sans-CJK-SC-Common-Bold"]


def test_without_the_built_font_the_system_font_is_used(campaign, data, no_font):
    assert fonts.built_faces() == []
    assert fonts.css_font_family() == '"Noto Sans CJK SC"'
    reader, raw = pdf(campaign, "yilan")
    assert "分类定级情况一览表" in pdf_text(reader).replace(" ", "")
    assert set(embedded_fonts(raw)) == {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"}
    assert pdf_writer._text_font().path == fonts.system_face("Regular")[0]


def test_row_heights_are_estimated_with_the_font_the_layout_uses(common_font):
    assert pdf_writer._text_font().path == str(common_font / "NotoSansCJKsc-Common-Regular.otf")


def test_parallel_layout_with_the_common_font_gives_the_pages_of_one_document(big, parallel, common_font,  # noqa: F811 — pytest fixtures by name
                                                                                monkeypatch):
    monkeypatch.setattr(pdf_writer, "CHUNK_ROWS", 10 * N)  # the whole table as one WeasyPrint document
    single = pages(big)
    assert not parallel
    monkeypatch.setattr(pdf_writer, "CHUNK_ROWS", 8)
    assert_same(pages(big), single)
    assert parallel, "the parallel path was not taken"
