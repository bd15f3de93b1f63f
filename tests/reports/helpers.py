import io

import openpyxl
from pypdf import PdfReader

from reports.exporters import get_exporter
from reports.services import render_report
from reports.writers.xlsx import HEADER_ROW


def xlsx(campaign, report, scope=None):
    buf = io.BytesIO()
    render_report(get_exporter(report)(campaign, scope=scope), "xlsx", buf)
    buf.seek(0)
    return openpyxl.load_workbook(buf)


def table(ws):
    """(header, data rows as lists of cells) of a report worksheet; data rows stop at the first empty row."""
    rows = list(ws.iter_rows(min_row=HEADER_ROW))
    header = [c.value for c in rows[0]]
    data = []
    for row in rows[1:]:
        if all(c.value is None for c in row):
            break
        data.append(list(row))
    return header, data


def values(row):
    return [c.value for c in row]


def pdf(campaign, report, scope=None):
    buf = io.BytesIO()
    render_report(get_exporter(report)(campaign, scope=scope), "pdf", buf)
    buf.seek(0)
    return PdfReader(buf), buf.getvalue()


def pdf_text(reader):
    return "\n".join(page.extract_text() for page in reader.pages)
