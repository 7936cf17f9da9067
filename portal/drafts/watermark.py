"""Per-reader watermarks on a draft's download: the stored file is never changed.

``watermark(kind, source, text)`` takes the decrypted bytes of a circulated version and
returns the stamped copy as an iterator of chunks. The work is done before the iterator is
returned, so a damaged file raises ``WatermarkError`` before a response has started.

PDF: one Form XObject holding the stamp (its own subset of DejaVu Sans, Type0/Identity with a
ToUnicode map, so any name is drawn as glyph numbers: no PDF string escaping to get wrong, and
the text extracts as written) is drawn at the foot and the head of every page with qpdf
(pikepdf). Each page's own content streams are left compressed as they are: the page gets a
shared ``q`` before and a shared ``Q ... Do`` after, so nothing is decoded or recompressed.

DOCX: a paragraph in every header and footer definition of every section (default, first page
and even page), and the text in the core properties (comments, keywords, category).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import lru_cache

import docx
import pikepdf
from docx.opc.exceptions import PackageNotFoundError
from docx.shared import Pt
from fontTools import subset
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name, Rectangle

from portal.clock import as_utc
from portal.web.filters import LONDON, govuk_date

MARKING = "OFFICIAL-SENSITIVE - DRAFT - not to be copied or forwarded"
CHUNK = 256 * 1024

# Control characters are not allowed in XML and mean nothing on a page.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff]")


class WatermarkError(ValueError):
    """The file could not be stamped (damaged, password-protected, or not of its kind)."""


def clean(value: str) -> str:
    """One line of printable text, NFC (so 'ë' is one character whatever the keyboard sent)."""
    return " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", value or "")).split())


def stamp_text(reader_name: str, organisation: str, when: datetime) -> str:
    """'Copy for Jane O'Neil (Leicestershire Police), 1 December 2026 14:05 - OFFICIAL-SENSITIVE - ...'.

    ``when`` is stored UTC (naive means UTC); the stamp shows London time, 24-hour clock.
    """
    local = as_utc(when).astimezone(LONDON)
    who = clean(reader_name)
    org = clean(organisation)
    if org:
        who = f"{who} ({org})"
    return f"Copy for {who}, {govuk_date(local)} {local:%H:%M} - {MARKING}"


def watermark(kind: str, source: bytes | Iterable[bytes], text: str) -> Iterator[bytes]:
    """The stamped copy of ``source`` (a "pdf" or "docx" file), in chunks."""
    data = source if isinstance(source, bytes | bytearray | memoryview) else b"".join(source)
    data = bytes(data)
    text = clean(text)
    if not text:
        raise ValueError("The watermark text is empty")
    if kind == "pdf":
        out = _stamp_pdf(data, text)
    elif kind == "docx":
        out = _stamp_docx(data, text)
    else:
        raise ValueError(f"Cannot watermark a {kind!r} file: only pdf and docx")
    return _chunks(out)


def _chunks(buffer: io.BytesIO) -> Iterator[bytes]:
    view = buffer.getbuffer()
    try:
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start : start + CHUNK])
    finally:
        view.release()


# --- PDF ------------------------------------------------------------------------------------

# The stamp is laid out on a strip this wide (points) and scaled to each page's width.
STRIP_WIDTH = 595.0
STRIP_HEIGHT = 14.0
FONT_SIZE = 7.0
PADDING = 3.0
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)


@lru_cache(maxsize=1)
def font_path() -> str:
    """DejaVu Sans (installed with WeasyPrint's fonts); fontconfig is asked if it is elsewhere."""

    for path in FONT_CANDIDATES:
        if os.path.exists(path):
            return path
    fc_match = shutil.which("fc-match")
    if fc_match:
        found = subprocess.run(  # noqa: S603 - fixed arguments, no input from anyone
            [fc_match, "-f", "%{file}", "DejaVu Sans:style=Book"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if found.lower().endswith((".ttf", ".otf")) and os.path.exists(found):
            return found
    raise WatermarkError("No font for the PDF watermark: install fonts-dejavu-core")


@lru_cache(maxsize=1)
def _font():

    font = TTFont(font_path(), lazy=False)
    return font, font.getBestCmap(), font["hmtx"].metrics, font["head"].unitsPerEm


# The glyphs almost every stamp needs: one subset made once per process serves them.
BASE_CHARACTERS = "".join(chr(c) for c in [*range(0x20, 0x7F), *range(0xA0, 0x180)]) + "‘’“”–—…"


@lru_cache(maxsize=1)
def _font_bytes() -> bytes:
    """The font without what a one-line stamp never uses (layout tables, hinting): subsetting
    the full font decodes those tables on every call, a fifth of a second each time."""

    font = TTFont(font_path())
    for table in ("GSUB", "GPOS", "GDEF", "kern", "FFTM", "MATH", "fpgm", "prep", "cvt ", "hdmx", "LTSH", "VDMX"):
        if table in font:
            del font[table]
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _make_subset(gids: frozenset[int]) -> bytes:

    options = subset.Options()
    options.retain_gids = True  # glyph numbers kept, so the CID to glyph map is the font's own
    options.notdef_outline = True
    options.hinting = False
    options.layout_features = []
    options.name_IDs = [1, 2]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=sorted(gids))
    font = TTFont(io.BytesIO(_font_bytes()))  # subsetting changes the font in place
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@lru_cache(maxsize=1)
def _base_subset() -> tuple[frozenset[int], bytes]:
    _, cmap, _, _ = _font()
    gids = _gids_for(BASE_CHARACTERS)
    return gids, _make_subset(gids)


def _gids_for(text: str) -> frozenset[int]:
    font, cmap, _, _ = _font()
    order = {name: index for index, name in enumerate(font.getGlyphOrder())}
    return frozenset({0} | {order.get(cmap.get(ord(char), ".notdef"), 0) for char in text})


def _subset_font(gids: set[int]) -> bytes:
    """The font with at least the stamp's glyphs."""
    base_gids, base = _base_subset()
    if set(gids) <= base_gids:
        return base
    return _make_subset(frozenset(gids) | base_gids)


def warm_up() -> None:
    """Load the font and make the common subset (a worker can call this at start)."""
    _base_subset()


def _utf16_hex(char: str) -> str:
    return char.encode("utf-16-be").hex().upper()


def _stamp_form(pdf, text: str):
    """A Form XObject, STRIP_WIDTH x STRIP_HEIGHT, with the stamp on a white band."""

    font, cmap, metrics, units = _font()
    # One CID per distinct character, so each extracts as itself even if the font lacks it
    # (a missing glyph is drawn as the font's box, glyph 0, but still reads back right).
    chars = list(dict.fromkeys(text))
    cid_of = {char: index + 1 for index, char in enumerate(chars)}
    gid_names = font.getGlyphOrder()
    gid_index = {name: index for index, name in enumerate(gid_names)}
    gid_of = {char: gid_index.get(cmap.get(ord(char), ".notdef"), 0) for char in chars}
    width_of = {char: metrics[gid_names[gid_of[char]]][0] * 1000 / units for char in chars}

    text_width = sum(width_of[c] for c in text) * FONT_SIZE / 1000
    size = FONT_SIZE
    room = STRIP_WIDTH - 4 * PADDING
    if text_width > room:  # a long name: smaller type rather than a second line off the page
        size = FONT_SIZE * room / text_width
        text_width = room
    x = (STRIP_WIDTH - text_width) / 2
    y = (STRIP_HEIGHT - size) / 2 + size * 0.2

    cid_to_gid = bytearray(2 * (len(chars) + 1))
    for char, cid in cid_of.items():
        cid_to_gid[2 * cid : 2 * cid + 2] = gid_of[char].to_bytes(2, "big")
    to_unicode = "\n".join(
        [
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
            "1 begincodespacerange <0000> <FFFF> endcodespacerange",
        ]
        + [
            f"{len(batch)} beginbfchar\n"
            + "\n".join(f"<{cid_of[c]:04X}> <{_utf16_hex(c)}>" for c in batch)
            + "\nendbfchar"
            for batch in (chars[i : i + 100] for i in range(0, len(chars), 100))
        ]
        + ["endcmap CMapName currentdict /CMap defineresource pop end end"]
    ).encode("ascii")

    head = font["head"]
    hhea = font["hhea"]
    scale = 1000 / units
    font_file = pikepdf.Stream(pdf, _subset_font(set(gid_of.values()) | {0}))
    base = Name("/DARDWM+DejaVuSans")
    descriptor = Dictionary(
        Type=Name.FontDescriptor,
        FontName=base,
        Flags=4,
        FontBBox=Array([round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]),
        ItalicAngle=0,
        Ascent=round(hhea.ascent * scale),
        Descent=round(hhea.descent * scale),
        CapHeight=round(hhea.ascent * scale * 0.7),
        StemV=80,
        FontFile2=font_file,
    )
    descendant = Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType2,
        BaseFont=base,
        CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor),
        CIDToGIDMap=pikepdf.Stream(pdf, bytes(cid_to_gid)),
        DW=1000,
        W=Array([1, Array([round(width_of[c]) for c in chars])]),
    )
    type0 = pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=base,
            Encoding=Name("/Identity-H"),
            DescendantFonts=Array([pdf.make_indirect(descendant)]),
            ToUnicode=pikepdf.Stream(pdf, to_unicode),
        )
    )
    codes = "".join(f"{cid_of[c]:04X}" for c in text)
    content = (
        f"q 1 g {x - PADDING:.2f} {y - size * 0.3:.2f} {text_width + 2 * PADDING:.2f} {size * 1.3:.2f} re f Q\n"
        f"BT 0.2 g /F1 {size:.3f} Tf {x:.2f} {y:.2f} Td <{codes}> Tj ET\n"
    ).encode("ascii")
    form = pikepdf.Stream(pdf, content)
    form.Type = Name.XObject
    form.Subtype = Name.Form
    form.BBox = Array([0, 0, STRIP_WIDTH, STRIP_HEIGHT])
    form.Resources = Dictionary(Font=Dictionary(F1=type0))
    return pdf.make_indirect(form)


def _bands(page) -> list:
    """The strips at the visual foot and head of a page, in its own (unrotated) user space."""

    box = Rectangle(page.cropbox)
    x0, y0, x1, y1 = box.llx, box.lly, box.urx, box.ury
    rotate = int(page.obj.get("/Rotate", 0)) % 360
    if rotate in (90, 270):
        band = (y1 - y0) * STRIP_HEIGHT / STRIP_WIDTH
        right, left = Rectangle(x1 - band, y0, x1, y1), Rectangle(x0, y0, x0 + band, y1)
        return [right, left] if rotate == 90 else [left, right]
    band = (x1 - x0) * STRIP_HEIGHT / STRIP_WIDTH
    bottom, top = Rectangle(x0, y0, x1, y0 + band), Rectangle(x0, y1 - band, x1, y1)
    return [bottom, top] if rotate == 0 else [top, bottom]


def _own_resources(page):
    """The page's /Resources, copied down from its /Pages parents if it inherits them."""

    if "/Resources" in page.obj:
        return page.obj.Resources
    node = page.obj.get("/Parent")
    while node is not None:
        if "/Resources" in node:
            page.obj.Resources = Dictionary(node.Resources.items())
            return page.obj.Resources
        node = node.get("/Parent")
    page.obj.Resources = Dictionary()
    return page.obj.Resources


def _stamp_pdf(data: bytes, text: str) -> io.BytesIO:

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise WatermarkError("This PDF needs a password to open, so it cannot be stamped") from exc
    except pikepdf.PdfError as exc:
        raise WatermarkError("This file is not a PDF that can be read") from exc
    with pdf:
        form = _stamp_form(pdf, text)
        push = pdf.make_stream(b"q\n")
        closings: dict = {}  # one closing stream per page geometry: 200 alike pages share one
        for page in pdf.pages:
            resources = _own_resources(page)
            if "/XObject" not in resources:
                resources.XObject = Dictionary()
            name = Name("/DardrWatermark")
            while name in resources.XObject and resources.XObject[name].objgen != form.objgen:
                name = Name.random(prefix="DardrWm")
            resources.XObject[name] = form
            key = (tuple(float(v) for v in page.cropbox), int(page.obj.get("/Rotate", 0)) % 360, str(name))
            if key not in closings:
                drawn = b"".join(
                    page.calc_form_xobject_placement(form, name, band, invert_transformations=True)
                    for band in _bands(page)
                )
                closings[key] = pdf.make_stream(b"Q\n" + drawn + b"\n")
            page.contents_add(push, prepend=True)
            page.contents_add(closings[key], prepend=False)
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    out.seek(0)
    return out


# --- DOCX -----------------------------------------------------------------------------------


def _stamp_docx(data: bytes, text: str) -> io.BytesIO:

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise WatermarkError("This file is not a Word document that can be read") from exc

    stamped: set[int] = set()

    def stamp(part_owner) -> None:
        # Sections may share one header part: stamp each part once.
        part = part_owner.part
        if id(part) in stamped:
            return
        stamped.add(id(part))
        paragraph = part_owner.add_paragraph()
        run = paragraph.add_run(text)
        run.font.size = Pt(7)

    for index, section in enumerate(document.sections):
        for kind in (
            "header",
            "first_page_header",
            "even_page_header",
            "footer",
            "first_page_footer",
            "even_page_footer",
        ):
            part_owner = getattr(section, kind)
            # A linked header shows the previous section's, which is stamped already; the first
            # section gets a definition of every kind, so whatever a later one links to has it.
            if part_owner.is_linked_to_previous and index > 0:
                continue
            stamp(part_owner)

    properties = document.core_properties
    properties.comments = text[:255]
    properties.keywords = text[:255]
    properties.category = "OFFICIAL-SENSITIVE - DRAFT"
    out = io.BytesIO()
    document.save(out)
    out.seek(0)
    return out
