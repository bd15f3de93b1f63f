"""The Content-Disposition of every download (RFC 6266): a sanitised name, as an ASCII `filename` for old clients
and as UTF-8 `filename*` (RFC 8187) for the rest.

Django's `content_disposition_header` sends either the one or the other, and passes the name through as it is;
file names here are built from org codes and names, which may hold quotes, slashes or Chinese."""
import re
import unicodedata
from urllib.parse import quote

FALLBACK = "download"
MAX_LENGTH = 150  # characters; browsers and file systems cut longer names at unpredictable places
_UNSAFE = re.compile(r'["\\/:*?<>|]')  # quotes and path separators, and what Windows refuses in a file name
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def clean_filename(filename: str) -> str:
    """`filename` as a safe single file name: control characters dropped, quotes, slashes and characters Windows
    refuses replaced by "_", whitespace collapsed, no leading dots (no hidden or `..` names), at most MAX_LENGTH
    characters with the extension kept; "download" when nothing is left."""
    name = "".join(c for c in unicodedata.normalize("NFC", str(filename))
                   if not unicodedata.category(c).startswith("C"))
    name = _UNSAFE.sub("_", name)
    name = " ".join(name.split()).lstrip(". ").rstrip(" ")
    if len(name) > MAX_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[:MAX_LENGTH - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_LENGTH]
    return name or FALLBACK


def ascii_filename(filename: str) -> str:
    """An ASCII stand-in for a clean name: accents dropped, any other run of characters outside A–Z a–z 0–9 . _ -
    becomes "_"; the extension is kept when the rest has no ASCII at all ("党组织.xlsx" → "download.xlsx")."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    stem, dot, ext = plain.rpartition(".")
    if not dot:
        stem, ext = plain, ""
    stem = _ASCII_UNSAFE.sub("_", stem).strip("._-")
    ext = _ASCII_UNSAFE.sub("", ext)
    return (stem or FALLBACK) + (f".{ext}" if ext else "")


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The Content-Disposition value for a download named `filename`:
    `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded UTF-8>`."""
    name = clean_filename(filename)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_filename(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_download(fieldfile, filename: str):
    """The response sending a stored file as a download named `filename`, after the caller's access check: with
    settings.DOWNLOAD_ACCEL_PREFIX (behind nginx) an empty response whose X-Accel-Redirect has nginx send the file
    from its internal location, else the file streamed by Django. FileNotFoundError when the file is gone."""
    from django.conf import settings
    from django.http import FileResponse, HttpResponse

    prefix = settings.DOWNLOAD_ACCEL_PREFIX
    if prefix:
        if not fieldfile.storage.exists(fieldfile.name):
            raise FileNotFoundError(fieldfile.name)
        response = HttpResponse(content_type="application/octet-stream")
        response["X-Accel-Redirect"] = prefix + quote(fieldfile.name)
    else:
        response = FileResponse(fieldfile.open("rb"), as_attachment=True, filename=filename)
    response["Content-Disposition"] = content_disposition(filename)
    return response
