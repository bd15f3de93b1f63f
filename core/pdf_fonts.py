"""The "common" CJK font of the PDFs (reports and survey slips).

Why: WeasyPrint copies the whole font file of every face a document uses at each PDF write and subsets it with
HarfBuzz. Debian's Noto Sans CJK faces live in ~20 MB collections (.ttc) of 65,535 glyphs, so each write of a report
chunk costs ~+80 MB for a moment and keeps ~45 MB; a long report laid out by two processes cannot stay under its
memory budget that way. `build()` (run by `manage.py build_pdf_fonts`, from scripts/setup.sh) cuts Noto Sans CJK SC
Regular and Bold down once to the characters reports really print — ASCII, Latin-1, general and CJK punctuation,
full-width forms, GB2312 (symbols and the 6,763 hanzi) and every character of the project's own templates and
sources — as two single-face OpenType files of ~2 MB under `var/fonts/` (settings.PDF_FONT_DIR).

The print stylesheets name that font first and the system "Noto Sans CJK SC" after it (`css_font_family()`), so
Pango falls back per character: a rare character outside GB2312 (a name with U+5803 or U+5586) is drawn from the
system font, which is then embedded for that document only. Without the built font (a fresh clone before setup)
the stylesheets use the system font alone, as before. The glyphs, advances and kerning are the system font's own,
so the layout is the same with either. (A character written anywhere in the project's templates or sources is
built into the font: the tests' rare characters live in tests/, which is not read.)
"""
import hashlib
import json
import os
import subprocess
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings

FAMILY = "Noto Sans CJK SC Common"  # the built font's family name (distinct, so the system font stays reachable)
SYSTEM_FAMILY = "Noto Sans CJK SC"  # Debian's fonts-noto-cjk: the source, and the fallback for rare characters
FACES = (("Regular", 400), ("Bold", 700))  # style → CSS font-weight
MANIFEST = "fonts.json"
BUILD_VERSION = 1  # bump when the build itself changes, so that existing fonts are rebuilt

# Unicode blocks kept whole besides GB2312: ASCII, Latin-1, general punctuation, CJK symbols and punctuation,
# half- and full-width forms.
RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x3000, 0x303F), (0xFF00, 0xFFEF))
# OpenType features Pango applies to horizontal zh-Hans text. 'locl' and 'vert' are left out: in the SC face they
# only lead to Japanese, Korean and traditional forms and vertical forms, which would double the glyph count.
LAYOUT_FEATURES = ["ccmp", "mark", "mkmk", "rlig", "calt", "clig", "curs", "dist", "kern", "liga", "rclt"]
SOURCE_SUFFIXES = (".html", ".py", ".txt", ".css")


class FontBuildError(Exception):
    """The system font to build from (or fontconfig, to find it) is missing; the message says what to install."""


def font_dir() -> Path:
    """Where the built font lives: settings.PDF_FONT_DIR (environment; var/fonts/ in the project by default)."""
    return Path(settings.PDF_FONT_DIR)


def _file_name(style: str) -> str:
    return f"NotoSansCJKsc-Common-{style}.otf"


def built_faces() -> list[tuple[int, Path]]:
    """[(CSS weight, file)] of the built font: every face, or none when any is missing (not built yet)."""
    d = font_dir()
    faces = [(weight, d / _file_name(style)) for style, weight in FACES]
    return faces if all(path.is_file() for _, path in faces) else []


def css_font_faces() -> str:
    """@font-face rules for the built font (empty when it is not built)."""
    return "\n".join(f'@font-face {{ font-family: "{FAMILY}"; src: url("{path.as_uri()}"); font-weight: {weight}; '
                     f"font-style: normal; }}" for weight, path in built_faces())


def css_font_family() -> str:
    """The CSS font-family list of the PDFs: the built font, then the system font it falls back to per character."""
    return f'"{FAMILY}", "{SYSTEM_FAMILY}"' if built_faces() else f'"{SYSTEM_FAMILY}"'


def text_face() -> tuple[str, int]:
    """(file, face index) of the regular face the PDFs' text is set in first: the built font, else the system's."""
    faces = built_faces()
    if faces:
        return str(faces[0][1]), 0
    return system_face("Regular")


@cache
def system_face(style: str) -> tuple[str, int]:
    """(file, face index) of the system's Noto Sans CJK SC face `style`, found with fontconfig (once a process)."""
    try:
        out = subprocess.run(["fc-match", "-f", "%{family}\n%{style}\n%{file}\n%{index}",
                              f"{SYSTEM_FAMILY}:style={style}"],
                             capture_output=True, text=True, timeout=30, check=True).stdout.split("\n")
    except (OSError, subprocess.SubprocessError) as exc:
        raise FontBuildError(f"无法运行 fc-match 查找系统字体：{exc}") from exc
    if len(out) < 4 or SYSTEM_FAMILY not in out[0].split(",") or style not in out[1].split(","):
        raise FontBuildError(f"未找到系统字体 {SYSTEM_FAMILY} {style}，请先安装 fonts-noto-cjk。")
    return out[2], int(out[3] or 0)


def _gb2312() -> set[str]:
    """Every character of GB2312 (rows A1–F7 of the EUC-CN code table, as Python's codec maps them)."""
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def _project_sources() -> list[Path]:
    """The project's own templates and the sources of its apps (what report and slip texts come from)."""
    base = Path(settings.BASE_DIR).resolve()
    roots = [base / "templates"]
    roots += [Path(a.path).resolve() for a in apps.get_app_configs() if Path(a.path).resolve().is_relative_to(base)]
    files = set()
    for root in roots:
        if root.is_dir():
            files.update(p for p in root.rglob("*") if p.suffix in SOURCE_SUFFIXES and p.is_file())
    return sorted(files)


def charset() -> str:
    """The characters the built font is cut down to, sorted (those the system font has no glyph for are left out
    by the subsetter)."""
    chars = {chr(c) for lo, hi in RANGES for c in range(lo, hi + 1)} | _gb2312()
    for path in _project_sources():
        chars.update(c for c in path.read_text(encoding="utf-8", errors="ignore") if ord(c) > 0x7E)
    return "".join(sorted(chars))


def build(force: bool = False) -> dict:
    """Build the common font into font_dir() unless it is already built from the same system font files and
    characters (`force`: build anyway). Returns the manifest, with "built": whether it was (re)built now."""
    chars = charset()
    sources = {style: system_face(style) for style, _ in FACES}
    key = hashlib.sha256(json.dumps({
        "version": BUILD_VERSION, "chars": chars, "features": LAYOUT_FEATURES,
        "sources": {style: [path, index, os.stat(path).st_size, os.stat(path).st_mtime_ns]
                    for style, (path, index) in sources.items()},
    }, sort_keys=True).encode()).hexdigest()
    d = font_dir()
    manifest_path = d / MANIFEST
    if not force and built_faces() and manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
        if manifest.get("key") == key:
            return {**manifest, "built": False}
    d.mkdir(parents=True, exist_ok=True)
    files = {style: _file_name(style) for style, _ in FACES}
    # One process a face (~10 s and ~180 MB each: fontTools reads the whole 65,535-glyph CFF font).
    with ProcessPoolExecutor(max_workers=min(len(FACES), os.cpu_count() or 1)) as pool:
        jobs = [pool.submit(_subset, *sources[style], style, chars, d / files[style]) for style, _ in FACES]
        for job in jobs:
            job.result()
    manifest = {"key": key, "family": FAMILY, "chars": len(chars), "files": files,
                "sources": {style: f"{path}#{index}" for style, (path, index) in sources.items()}}
    tmp = manifest_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, manifest_path)
    return {**manifest, "built": True}


def _subset(path: str, index: int, style: str, chars: str, target: Path) -> None:
    """Face `index` of the font file `path`, cut down to `chars` and renamed to FAMILY `style`, saved to `target`
    (through a temporary file, so a reader never sees half a font)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = LAYOUT_FEATURES
    options.name_IDs = ["*"]  # keep the copyright, version and licence records (SIL OFL 1.1)
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.desubroutinize = True  # about the same size here, and less work for HarfBuzz at each PDF write
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)

    full = FAMILY if style == "Regular" else f"{FAMILY} {style}"
    postscript = f"NotoSansCJKsc-Common-{style}"
    name = font["name"]
    name.names = [n for n in name.names if n.nameID not in (1, 2, 3, 4, 6, 16, 17)]
    for name_id, value in ((1, FAMILY), (2, style), (3, f"{postscript};project subset"), (4, full), (6, postscript)):
        name.setName(value, name_id, 3, 1, 0x409)
    cff = font["CFF "].cff
    cff.fontNames = [postscript]
    top = cff.topDictIndex[0]
    top.FullName, top.FamilyName = full, FAMILY

    tmp = target.with_suffix(".tmp")
    font.save(str(tmp))
    font.close()
    os.replace(tmp, target)
