"""Paper 测评表 for a survey held as a meeting: the blank 基层党组织分类定级党员群众测评表 of each 定级对象 (A4; the
org's name, the overall question and every indicator of its rubric with 满意/基本满意/不满意 boxes, the respondent
category line and a suggestions box — the questions and wording of the online form, surveys/forms.py), N copies an
org, and optionally the org's 计票表 (tally sheet) for counting at the meeting, all in one PDF sorted by unit and org
(tree order).

Nothing is laid out per copy, and the form only once per rubric: WeasyPrint lays out the form (测评表 and 计票表 with
the org's lines left blank) once for each distinct list of indicators, and the org's lines of up to
ORGS_PER_DOCUMENT orgs a document, each on a page of its own (a page with a few lines lays out some 15 times faster
than a form). pypdf draws each org's lines over its form and repeats the page for the copies; the copies share one
content stream, so 30 copies cost about as much as one in time and file size. The two kinds of page line up because
they share the stylesheet and the header above the org's lines, which is a box of fixed height (a name longer than
two lines is cut). Only WeasyPrint's public API is used (HTML, Document.pages,
Page.anchors, Document.write_pdf)."""
from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

from campaigns.models import Indicator
from campaigns.selectors import targets
from surveys.models import Answer
from surveys.selectors import campaign_categories

TITLE = "基层党组织分类定级党员群众测评表"
TALLY_TITLE = "基层党组织分类定级党员群众测评计票表"
MEMBERS = "members"  # --count members: as many copies as the org has members (Org.member_count, 党员人数)
MAX_COPIES = 1000  # copies of one org's 测评表
ORGS_PER_DOCUMENT = 100  # orgs whose lines are laid out in one WeasyPrint document (bounds the memory)
WEB_MAX_ORGS = 200  # the most orgs one download from the survey page may hold; more: manage.py print_ballots


class BallotError(ValueError):
    """A request for 测评表 that cannot be printed; the message says why, in Chinese."""


@dataclass(frozen=True)
class BallotSheet:
    """One org's 测评表: the org (with `parent_name`, as campaigns.selectors.targets() annotates it), the names of
    its rubric's indicators in order, and how many copies to print."""
    org: object
    indicators: tuple[str, ...]
    copies: int


def parse_count(raw) -> int | str:
    """`raw` (from the command line or a form) as a number of copies 1..MAX_COPIES, or MEMBERS."""
    text = str(raw if raw is not None else "").strip()
    if text.lower() == MEMBERS:
        return MEMBERS
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_COPIES:
        raise BallotError(f"份数“{text}”无效：请填写 1–{MAX_COPIES} 的整数，或 {MEMBERS}（按各党组织的党员人数）。")
    return int(text)


def ballot_targets(campaign, *, org=None, scope=None, within=None):
    """The 定级对象 of `campaign` to print for, in tree order (each unit's orgs together): `org` alone, the targets
    in `scope`'s subtree (scope itself included when it is one), or all; `within` (a Q on Org) narrows them to what
    a viewer may print. BallotError when `org` is not a target or nothing is left."""
    qs = targets(campaign)
    if within is not None:
        qs = qs.filter(within)
    if org is not None:
        found = list(qs.filter(pk=org.pk))
        if not found:
            raise BallotError(f"“{org.name}”（{org.code}）不是“{campaign.name}”的定级对象。")
        return found
    if scope is not None:
        qs = qs.filter(path__startswith=scope.path)
    found = list(qs)
    if not found:
        where = f"“{scope.name}”范围内" if scope is not None else ""
        raise BallotError(f"{where}没有“{campaign.name}”的定级对象。")
    return found


def ballot_sheets(campaign, orgs, count) -> tuple[list[BallotSheet], list]:
    """(sheets, skipped): a BallotSheet per org of `orgs` (in their order) with the indicators of the rubric the
    campaign uses for the org's sector (one query for all), `count` copies each (MEMBERS: the org's 党员人数); the
    orgs skipped because that number is 0."""
    names = defaultdict(list)
    for sector_id, name in (Indicator.objects.filter(rubric__campaign_sectors__campaign=campaign)
                            .order_by("position").values_list("rubric__campaign_sectors__sector_id", "name")):
        names[sector_id].append(name)
    sheets, skipped = [], []
    for org in orgs:
        copies = org.member_count if count == MEMBERS else count
        if copies <= 0:
            skipped.append(org)
            continue
        sheets.append(BallotSheet(org=org, indicators=tuple(names.get(org.sector_id, ())), copies=min(copies, MAX_COPIES)))
    return sheets, skipped


def sheets_html(campaign, sheets, *, tally: bool = False, start: int = 0, label_only: bool = False) -> str:
    """One HTML document with one 测评表 (section id b<n>) and, with `tally`, one 计票表 (t<n>) of each sheet, each
    beginning a page; n counts from `start`. Without `label_only` the pages hold everything but the org's lines;
    with it, only the org's lines and the footer, at the same place (the rest is hidden or left out)."""
    return render_to_string("surveys/pdf/sheets.html", {
        "campaign": campaign, "items": [(start + i, s) for i, s in enumerate(sheets)], "tally": tally,
        "label_only": label_only, "title": TITLE, "tally_title": TALLY_TITLE, "answers": Answer.labels,
        "categories": [name for _, name in campaign_categories(campaign)],
    })


def _sections(pages) -> dict[str, list[int]]:
    """{"b<n>" / "t<n>": [page indices]}: the pages of each section of a laid-out document (a section's pages run
    from the page its anchor is on to the page before the next section's)."""
    out, current = {}, None
    for i, page in enumerate(pages):
        starts = [a for a in page.anchors if a[:1] in ("b", "t") and a[1:].isdigit()]
        if starts:
            current = starts[0]
            out[current] = []
        if current is not None:
            out[current].append(i)
    return out


class _Layout:
    """WeasyPrint documents laid out with one font configuration, as pypdf readers with their sections."""

    def __init__(self, campaign, tally):
        from weasyprint.text.fonts import FontConfiguration

        self.campaign, self.tally = campaign, tally
        self.font_config = FontConfiguration()

    def pages(self, sheets, *, start=0, label_only=False):
        """{"b<n>"/"t<n>": [pypdf pages]} of `sheets` laid out as one document."""
        from weasyprint import HTML

        html = sheets_html(self.campaign, sheets, tally=self.tally, start=start, label_only=label_only)
        document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(font_config=self.font_config)
        sections = _sections(document.pages)
        reader = PdfReader(io.BytesIO(document.write_pdf()))
        return {key: [reader.pages[i] for i in indices] for key, indices in sections.items()}


LINES_XOBJECT = NameObject("/OrgLines")


def _content(page) -> bytes:
    """The decoded content of a page (its streams joined)."""
    contents = page["/Contents"].get_object()
    streams = contents if isinstance(contents, ArrayObject) else [contents]
    return b"\n".join(stream.get_object().get_data() for stream in streams)


def _stream(stamps: PdfWriter, data: bytes, fields=None):
    stream = DecodedStreamObject()
    stream.set_data(data)
    if fields:
        stream.update(fields)
    # PdfWriter has no public way to add a free-standing stream; _add_object has been its way since PyPDF2.
    return stamps._add_object(stream.flate_encode())


def _stamped(stamps: PdfWriter, form: list, label) -> list:
    """The pages of `form` with the page `label` drawn over the first, added to `stamps` (a scratch writer, so
    that the final writer can add each of them any number of times, as separate pages sharing one content).

    The label becomes a form XObject with its own resources, drawn after the form's content: neither content
    stream is parsed or rewritten (pypdf's merge_page parses both, ~30 ms a page), and the two pages' font names
    cannot clash. The form's content and resources stay shared with every other org's page."""
    lines = _stream(stamps, _content(label), {
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject(label.mediabox), NameObject("/Resources"): label["/Resources"]})
    pages = [stamps.add_page(page) for page in form]
    first = pages[0]
    resources = DictionaryObject(first["/Resources"].get_object())
    xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
    xobjects[LINES_XOBJECT] = lines
    resources[NameObject("/XObject")] = xobjects
    first[NameObject("/Resources")] = resources
    first[NameObject("/Contents")] = ArrayObject([
        _stream(stamps, b"q\n"), first["/Contents"], _stream(stamps, b"\nQ\nq " + LINES_XOBJECT.encode("ascii") + b" Do Q\n")])
    return pages


def write_ballots(*, campaign, sheets, target, tally: bool = False, progress=None) -> int:
    """Write the 测评表 of `sheets` (each `copies` times, then its 计票表 once with `tally`) to `target` (a path or a
    binary file) as one PDF, in the order of `sheets`; `progress(done, total)` after each batch of orgs. Returns
    the number of pages.

    What is laid out: the form (测评表 and 计票表 without any org's lines) once for each distinct list of
    indicators, and each org's lines (a page with nothing else on it) once; pypdf draws an org's lines over its
    form and repeats the result for the copies."""
    layout = _Layout(campaign, tally)
    kinds = list(dict.fromkeys(s.indicators for s in sheets))
    blank_forms = layout.pages([BallotSheet(org=None, indicators=k, copies=1) for k in kinds])
    forms = {k: (blank_forms[f"b{j}"], blank_forms.get(f"t{j}")) for j, k in enumerate(kinds)}
    writer = PdfWriter()
    scratch = []  # each batch's scratch writer stays alive until the file is written
    for start in range(0, len(sheets), ORGS_PER_DOCUMENT):
        batch = sheets[start:start + ORGS_PER_DOCUMENT]
        scratch.append(_add_batch(writer, layout, forms, batch, start, tally))
        if progress is not None:
            progress(start + len(batch), len(sheets))
    writer.add_metadata({"/Title": f"{TITLE} · {campaign.name}"})
    pages = len(writer.pages)
    if hasattr(target, "write"):
        writer.write(target)
    else:
        with open(target, "wb") as fh:
            writer.write(fh)
    return pages


def _add_batch(writer, layout, forms, batch, start, tally) -> PdfWriter:
    """Lay out the org's lines of `batch` (sheets numbered from `start`) and add their stamped pages to `writer`,
    copies and all. Returns the scratch writer holding the stamped pages."""
    labels = layout.pages(batch, start=start, label_only=True)
    stamps = PdfWriter()
    for n, sheet in enumerate(batch, start=start):
        ballot_form, tally_form = forms[sheet.indicators]
        ballot = _stamped(stamps, ballot_form, labels[f"b{n}"][0])
        for _ in range(sheet.copies):
            for page in ballot:
                writer.add_page(page)
        if tally:
            for page in _stamped(stamps, tally_form, labels[f"t{n}"][0]):
                writer.add_page(page)
    return stamps


def ballots_pdf(*, campaign, sheets, tally: bool = False) -> bytes:
    """write_ballots into memory."""
    buffer = io.BytesIO()
    write_ballots(campaign=campaign, sheets=sheets, target=buffer, tally=tally)
    return buffer.getvalue()


def download_name(campaign, *, org=None, scope=None) -> str:
    """The file name of a download: 测评表-<campaign>[-<org or scope code>].pdf (sanitised by core.downloads)."""
    part = org.code if org is not None else (scope.code if scope is not None else "")
    return f"测评表-{campaign.slug}" + (f"-{part}" if part else "") + ".pdf"
