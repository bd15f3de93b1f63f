"""The PDF writer's parallel layout (reports.writers.pdf._write_parallel): whatever the row-height guess, the pages
are those of one document of the whole table."""
import io
import re

import pytest
from pypdf import PdfReader

from branches.models import Org
from reports.exporters import get_exporter
from reports.services import render_report
from reports.writers import pdf as pdf_writer
from tests.reports import builders

pytestmark = pytest.mark.django_db

ROW = re.compile(r"par第\d+村党支部")
N = 160


def pages(campaign):
    buf = io.BytesIO()
    render_report(get_exporter("yilan")(campaign), "pdf", buf)
    return [p.extract_text() for p in PdfReader(io.BytesIO(buf.getvalue())).pages]


@pytest.fixture
def big(db):
    """N graded orgs; every seventh has a long name that wraps onto two or three lines (rows of mixed heights)."""
    campaign = builders.many_orgs(N, slug="par")
    for i, org in enumerate(Org.objects.filter(code__startswith="par-").exclude(name__endswith="县委")
                            .exclude(name__endswith="镇党委").order_by("path")):
        if i % 7 == 3:
            org.name = org.name + "（" + "联合党支部" * (2 + i % 3) + "）"
            org.save(update_fields=["name"])
    return campaign


_single = []


@pytest.fixture
def single(big):
    """The whole table as one WeasyPrint document (the same for every test: rendered once)."""
    if not _single:
        _single.append(pages(big))
    return _single[0]


@pytest.fixture
def parallel(monkeypatch):
    """Small chunks, so that N rows take the parallel path with two processes."""
    monkeypatch.setattr(pdf_writer, "CHUNK_ROWS", 8)
    monkeypatch.setattr(pdf_writer, "WORKERS", 2)
    calls = []
    real = pdf_writer._write_parallel

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(pdf_writer, "_write_parallel", spy)
    return calls


def assert_same(got, single):
    assert len(single) >= 6
    assert got == single  # same text on every page: same rows per page, same page numbers
    for n, text in enumerate(got, start=1):
        assert f"第 {n} 页" in text and "序号" in text
    joined = "\n".join(got)
    assert len(ROW.findall(joined)) == N


def test_parallel_layout_gives_the_pages_of_one_document(big, single, parallel, monkeypatch):
    hits = []
    real = pdf_writer._lay_out

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        if kwargs.get("stop") is not None:
            hits.append(result)
        return result

    monkeypatch.setattr(pdf_writer, "_lay_out", spy)
    assert_same(pages(big), single)
    assert parallel, "the parallel path was not taken"
    assert hits == [True]  # the main process's range ended on the guessed page top: the worker's pages were used


@pytest.mark.parametrize("shift", [1, -1])
def test_wrong_row_guess_falls_back_to_the_same_pages(big, single, parallel, monkeypatch, shift):
    real = pdf_writer._estimate_pages

    def wrong(m, texts, start, page_no):
        return [(start, page_no)] + [(row + shift, n) for row, n in real(m, texts, start, page_no)[1:]]

    monkeypatch.setattr(pdf_writer, "_estimate_pages", wrong)
    assert_same(pages(big), single)
    assert parallel


def test_wrong_page_number_guess_falls_back_to_the_same_pages(big, single, parallel, monkeypatch):
    real = pdf_writer._estimate_pages
    monkeypatch.setattr(pdf_writer, "_estimate_pages",
                        lambda m, texts, start, page_no: [(row, n + 1) for row, n in real(m, texts, start, page_no)])
    assert_same(pages(big), single)


def test_failed_worker_is_replaced_by_the_main_process(big, single, parallel, monkeypatch):
    def crash(send, *args):
        send.send(("error", "RuntimeError: simulated"))
        send.close()

    monkeypatch.setattr(pdf_writer, "_range_worker", crash)
    assert_same(pages(big), single)


def test_one_process_when_forking_is_off(big, single, parallel, monkeypatch):
    monkeypatch.setattr(pdf_writer, "WORKERS", 1)
    assert_same(pages(big), single)
    assert not parallel
