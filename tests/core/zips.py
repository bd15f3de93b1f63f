"""Zip surgery for workbook tests: replace entries, forge declared sizes, add a shared-strings part as Excel writes
one. Workbooks themselves are built with openpyxl in the tests."""
import io
import struct
import zipfile

from core.workbook import SHARED_STRINGS_TYPE, column_letter

SHEET, STRINGS = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"


def rewritten(data: bytes, named: dict[str, bytes]) -> bytes:
    """`data` with the zip entries `named` (name → content) replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename not in named:
                dst.writestr(info.filename, src.read(info.filename))
        for name, content in named.items():
            dst.writestr(name, content)
    return out.getvalue()


def declared_size(data: bytes, name: str, size: int) -> bytes:
    """`data` with the central directory declaring `size` decompressed bytes for entry `name` (a lie)."""
    data = bytearray(data)
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        name_len = struct.unpack("<H", data[at + 28:at + 30])[0]
        if data[at + 46:at + 46 + name_len].decode() == name:
            data[at + 24:at + 28] = struct.pack("<I", size)
            return bytes(data)
        at += 4
    raise AssertionError(f"no entry {name}")


def xlsx_sheet(header, rows, padding=0) -> bytes:
    """A sheet XML of `header` and `rows` (columns A, B, …) with inline strings and `padding` bytes of whitespace
    before the data."""
    cells = "".join(
        f'<row r="{i}">' + "".join(f'<c r="{column_letter(j)}{i}" t="inlineStr"><is><t>{v}</t></is></c>' for j, v in enumerate(r))
        + "</row>" for i, r in enumerate([header, *rows], start=1))
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main">' + " " * padding + f"<sheetData>{cells}</sheetData></worksheet>").encode()


def shared_strings(count: int, declared: int | None = None) -> bytes:
    declared = count if declared is None else declared
    items = "".join(f"<si><t>文字{n}</t></si>" for n in range(count))
    return ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            f'2006/main" count="{declared}" uniqueCount="{declared}">{items}</sst>').encode()


def with_shared_strings(data: bytes, table: bytes) -> bytes:
    """`data` with a shared-strings part as Excel writes one (openpyxl itself writes inline strings), declared in
    [Content_Types].xml where openpyxl looks it up."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        types = z.read("[Content_Types].xml").decode()
    override = f'<Override PartName="/{STRINGS}" ContentType="{SHARED_STRINGS_TYPE}" />'
    return rewritten(data, {STRINGS: table, "[Content_Types].xml": types.replace("</Types>", override + "</Types>")})
