"""Paper 测评表 for a survey held as a meeting: the blank 基层党组织分类定级党员群众测评表 of each 定级对象 (A4; the
org's name, the overall question and every indicator of its rubric with 满意/基本满意/不满意 boxes, the respondent
category line and a suggestions box — the questions and wording of the online form, surveys/forms.py), N copies an
org, and optionally the org's 计票表 (tally sheet) for counting at the meeting, all in one PDF sorted by unit and org
(tree order).

Each org's pages are laid out once: WeasyPrint lays out up to ORGS_PER_DOCUMENT orgs a document (one copy each), and
pypdf repeats an org's pages for its copies. Repeated pages share their content streams, so 30 copies cost about
as much as one in layout time and file size. Only WeasyPrint's public API is used (HTML, Document.pages,
Page.anchors, Document.write_pdf)."""
from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter

from campaigns.models import Indicator
from campaigns.selectors import targets
from surveys.models import Answer, RespondentCategory

TITLE = "基层党组织分类定级党员群众测评表"
TALLY_TITLE = "基层党组织分类定级党员群众测评计票表"
MEMBERS = "members"  # --count members: as many copies as the org has members (Org.member_count, 党员人数)
MAX_COPIES = 1000  # copies of one org's 测评表
ORGS_PER_DOCUMENT = 40  # orgs laid out in one WeasyPrint document (bounds the memory of a campaign-wide PDF)
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


def page_count(sheets, *, tally: bool = False) -> int:
    """How many pages ballots_pdf writes for `sheets` when every 测评表 and 计票表 fits one page (it does for
    rubrics of up to ~20 indicators)."""
    return sum(s.copies + (1 if tally else 0) for s in sheets)


def sheets_html(campaign, sheets, *, tally: bool = False, start: int = 0) -> str:
    """One HTML document with one copy of each sheet's 测评表 (section id b<n>) and, with `tally`, its 计票表 (t<n>),
    each beginning a page; n counts from `start`."""
    return render_to_string("surveys/pdf/sheets.html", {
        "campaign": campaign, "items": [(start + i, s) for i, s in enumerate(sheets)], "tally": tally,
        "title": TITLE, "tally_title": TALLY_TITLE, "answers": Answer.labels,
        "categories": RespondentCategory.labels,
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


def write_ballots(*, campaign, sheets, target, tally: bool = False, progress=None) -> int:
    """Write the 测评表 of `sheets` (each `copies` times, then its 计票表 once with `tally`) to `target` (a path or a
    binary file) as one PDF, in the order of `sheets`; `progress(done, total)` after each batch of orgs. Returns
    the number of pages."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    writer = PdfWriter()
    parts = []  # keep each batch's reader alive until the whole file is written
    for start in range(0, len(sheets), ORGS_PER_DOCUMENT):
        batch = sheets[start:start + ORGS_PER_DOCUMENT]
        document = HTML(string=sheets_html(campaign, batch, tally=tally, start=start),
                        base_url=str(settings.BASE_DIR)).render(font_config=font_config)
        sections = _sections(document.pages)
        reader = PdfReader(io.BytesIO(document.write_pdf()))
        parts.append(reader)
        del document
        for n, sheet in enumerate(batch, start=start):
            ballot = [reader.pages[i] for i in sections[f"b{n}"]]
            for _ in range(sheet.copies):
                for page in ballot:
                    writer.add_page(page)
            if tally:
                for i in sections[f"t{n}"]:
                    writer.add_page(reader.pages[i])
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


def ballots_pdf(*, campaign, sheets, tally: bool = False) -> bytes:
    """write_ballots into memory."""
    buffer = io.BytesIO()
    write_ballots(campaign=campaign, sheets=sheets, target=buffer, tally=tally)
    return buffer.getvalue()


def download_name(campaign, *, org=None, scope=None) -> str:
    """The file name of a download: 测评表-<campaign>[-<org or scope code>].pdf (sanitised by core.downloads)."""
    part = org.code if org is not None else (scope.code if scope is not None else "")
    return f"测评表-{campaign.slug}" + (f"-{part}" if part else "") + ".pdf"
