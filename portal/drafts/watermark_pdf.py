"""PDF stamping for portal.drafts.watermark: the stamp font subset, the overlay Form XObject, and qpdf (pikepdf)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from functools import lru_cache

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name, Rectangle

from portal.drafts.watermark import WatermarkError

# The stamp is laid out on a strip this wide (points) and scaled to each page's width.
STRIP_WIDTH = 595.0
STRIP_HEIGHT = 14.0
FONT_SIZE = 7.0
PADDING = 3.0
INSET = 14.0  # 5 mm in from the edge of an A4 page
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
    found = _fc(["fc-match", "-f", "%{file}", "DejaVu Sans:style=Book"])
    if found.lower().endswith(".ttf") and os.path.exists(found):
        return found
    raise WatermarkError("No font for the PDF watermark: install fonts-dejavu-core")


def _fc(command: list[str]) -> str:
    """Ask fontconfig (fixed arguments only); empty if it is not installed."""
    program = shutil.which(command[0])
    if not program:
        return ""
    result = subprocess.run([program, *command[1:]], capture_output=True, text=True, check=False, timeout=10)  # noqa: S603
    return result.stdout.strip()


# What a one-line stamp never uses (layout, hinting): subsetting decodes these tables on every
# call otherwise, a fifth of a second each time for DejaVu Sans.
UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "kern", "FFTM", "MATH", "fpgm", "prep", "cvt ", "hdmx", "LTSH", "VDMX")


class _Face:
    """One TrueType font file, read once per process: its map from characters to glyphs, the
    glyphs' widths, and the file without the tables a stamp never needs (for subsetting)."""

    def __init__(self, path: str, index: int = 0):
        self.font = TTFont(path, fontNumber=index)
        self.cmap = self.font.getBestCmap() or {}
        self.names = self.font.getGlyphOrder()
        self.gid = {name: number for number, name in enumerate(self.names)}
        self.metrics = self.font["hmtx"].metrics
        self.units = self.font["head"].unitsPerEm
        family = self.font["name"].getDebugName(6) or "Font"
        self.postscript = re.sub(r"[^A-Za-z0-9-]", "", family)[:40] or "Font"
        stripped = TTFont(path, fontNumber=index)
        for table in UNUSED_TABLES:
            if table in stripped:
                del stripped[table]
        out = io.BytesIO()
        stripped.save(out)
        self.stripped = out.getvalue()

    def glyph(self, char: str) -> int:
        return self.gid.get(self.cmap.get(ord(char), ".notdef"), 0)

    def has(self, char: str) -> bool:
        return ord(char) in self.cmap

    def width(self, gid: int) -> float:
        """Advance width in thousandths of the font size."""
        return self.metrics[self.names[gid]][0] * 1000 / self.units

    def subset(self, gids: frozenset[int]) -> bytes:
        options = subset.Options()
        options.retain_gids = True  # glyph numbers kept, so the CID to glyph map is the font's own
        options.notdef_outline = True
        options.hinting = False
        options.layout_features = []
        options.name_IDs = [1, 2]
        subsetter = subset.Subsetter(options)
        subsetter.populate(gids=sorted(gids | {0}))
        font = TTFont(io.BytesIO(self.stripped))  # subsetting changes the font in place
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()


@lru_cache(maxsize=8)
def _face(path: str, index: int = 0) -> _Face:
    return _Face(path, index)


def _primary() -> _Face:
    return _face(font_path())


@lru_cache(maxsize=2048)
def _fallback(char: str) -> _Face | None:
    """An installed TrueType font that has ``char`` (a name in Chinese, say, needs a CJK font
    such as fonts-wqy-zenhei or fonts-droid-fallback), or None: the stamp then draws DejaVu's
    box for that character, and the text still reads back right (copy and paste, search)."""
    listing = _fc(["fc-list", "--format", "%{file}|%{index}|%{style}\n", f":charset={ord(char):x}"])
    candidates = []
    for line in listing.splitlines():
        path, _, rest = line.partition("|")
        index, _, style = rest.partition("|")
        if not path.lower().endswith((".ttf", ".ttc")) or not index.isdigit():
            continue  # CFF (.otf) outlines would need another kind of PDF font
        upright = not re.search(r"bold|italic|oblique|light|condensed|mono", style + path, re.I)
        candidates.append((not upright, path, int(index)))
    for _, path, index in sorted(candidates):
        try:
            face = _face(path, index)
        except Exception:  # noqa: BLE001, S112 - a damaged or unusual font file: try the next one
            continue
        if "glyf" in face.font and face.has(char):
            return face
    return None


# The glyphs almost every stamp needs: one subset made once per process serves them.
BASE_CHARACTERS = (
    "".join(chr(c) for c in [*range(0x20, 0x7F), *range(0xA0, 0x180)]) + "\u2018\u2019\u201c\u201d\u2013\u2014\u2026"
)


@lru_cache(maxsize=1)
def _base_subset() -> tuple[frozenset[int], bytes]:
    face = _primary()
    gids = frozenset({0} | {face.glyph(char) for char in BASE_CHARACTERS})
    return gids, face.subset(gids)


def _subset(face: _Face, gids: frozenset[int]) -> bytes:
    if face is _primary():
        base_gids, base = _base_subset()
        if gids <= base_gids:
            return base
    return face.subset(gids)


def _utf16_hex(char: str) -> str:
    return char.encode("utf-16-be").hex().upper()


def _pdf_font(pdf, face: _Face, chars: list[str], tag: str):
    """A Type0 font for ``chars``: one CID each (1, 2, ...), so every character reads back as
    itself even when it is drawn with the font's box (glyph 0)."""
    cid_of = {char: number for number, char in enumerate(chars, 1)}
    gid_of = {char: face.glyph(char) for char in chars}
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
    head, hhea = face.font["head"], face.font["hhea"]
    scale = 1000 / face.units
    base = Name(f"/{tag}+{face.postscript}")
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
        FontFile2=pikepdf.Stream(pdf, _subset(face, frozenset(gid_of.values()))),
    )
    descendant = Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType2,
        BaseFont=base,
        CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor),
        CIDToGIDMap=pikepdf.Stream(pdf, bytes(cid_to_gid)),
        DW=1000,
        W=Array([1, Array([round(face.width(gid_of[c])) for c in chars])]),
    )
    font = Dictionary(
        Type=Name.Font,
        Subtype=Name.Type0,
        BaseFont=base,
        Encoding=Name("/Identity-H"),
        DescendantFonts=Array([pdf.make_indirect(descendant)]),
        ToUnicode=pikepdf.Stream(pdf, to_unicode),
    )
    return pdf.make_indirect(font), cid_of


def _runs(text: str) -> list[tuple[_Face, str]]:
    """The text cut where the font changes: DejaVu Sans, or a font that has the character."""
    primary = _primary()
    runs: list[tuple[_Face, str]] = []
    for char in text:
        face = primary if primary.has(char) or char.isspace() else (_fallback(char) or primary)
        if runs and runs[-1][0] is face:
            runs[-1] = (face, runs[-1][1] + char)
        else:
            runs.append((face, char))
    return runs


def _stamp_form(pdf, text: str):
    """A Form XObject, STRIP_WIDTH x STRIP_HEIGHT, with the stamp on a white band."""
    runs = _runs(text)
    faces = list(dict.fromkeys(face for face, _ in runs))
    fonts = {}
    for number, face in enumerate(faces, 1):
        chars = list(dict.fromkeys("".join(run for f, run in runs if f is face)))
        tag = "DARDW" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[number % 26]  # six capitals, as subset names are
        fonts[face] = (f"F{number}", *_pdf_font(pdf, face, chars, tag))

    text_width = sum(face.width(face.glyph(c)) for face, run in runs for c in run) * FONT_SIZE / 1000
    size = FONT_SIZE
    room = STRIP_WIDTH - 4 * PADDING
    if text_width > room:  # a long name: smaller type rather than a second line off the page
        size = FONT_SIZE * room / text_width
        text_width = room
    x = (STRIP_WIDTH - text_width) / 2
    y = (STRIP_HEIGHT - size) / 2 + size * 0.2
    # Each Tj moves the pen on by the run's widths, so the runs follow one another.
    shown = " ".join(
        f"/{fonts[face][0]} {size:.3f} Tf <{''.join(f'{fonts[face][2][c]:04X}' for c in run)}> Tj" for face, run in runs
    )
    content = (
        f"q 1 g {x - PADDING:.2f} {y - size * 0.3:.2f} {text_width + 2 * PADDING:.2f} {size * 1.3:.2f} re f Q\n"
        f"BT 0.2 g {x:.2f} {y:.2f} Td {shown} ET\n"
    ).encode("ascii")
    form = pikepdf.Stream(pdf, content)
    form.Type = Name.XObject
    form.Subtype = Name.Form
    form.BBox = Array([0, 0, STRIP_WIDTH, STRIP_HEIGHT])
    form.Resources = Dictionary(Font=Dictionary({f"/{name}": font for name, font, _ in fonts.values()}))
    return pdf.make_indirect(form)


def _bands(page) -> list:
    """The strips near the visual foot and head of a page, in its own (unrotated) user space:
    INSET in from the edge, where printers still print and page margins are usually blank."""
    box = Rectangle(page.cropbox)
    x0, y0, x1, y1 = box.llx, box.lly, box.urx, box.ury
    rotate = int(page.obj.get("/Rotate", 0)) % 360
    across = (y1 - y0) if rotate in (90, 270) else (x1 - x0)  # the page's visual width
    band, inset = across * STRIP_HEIGHT / STRIP_WIDTH, across * INSET / STRIP_WIDTH
    if rotate in (90, 270):
        right = Rectangle(x1 - inset - band, y0, x1 - inset, y1)
        left = Rectangle(x0 + inset, y0, x0 + inset + band, y1)
        return [right, left] if rotate == 90 else [left, right]
    bottom = Rectangle(x0, y0 + inset, x1, y0 + inset + band)
    top = Rectangle(x0, y1 - inset - band, x1, y1 - inset)
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
    try:
        with pdf:
            return _stamp_pages(pdf, text)
    except pikepdf.PdfError as exc:
        raise WatermarkError("This PDF is damaged in a way that stops it being stamped") from exc


def _stamp_pages(pdf, text: str) -> io.BytesIO:
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
                page.calc_form_xobject_placement(form, name, band, invert_transformations=True) for band in _bands(page)
            )
            closings[key] = pdf.make_stream(b"Q\n" + drawn + b"\n")
        page.contents_add(push, prepend=True)
        page.contents_add(closings[key], prepend=False)
    out = io.BytesIO()
    # An author's restrictions (no printing, no copying) stay on the reader's copy.
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.preserve, encryption=pdf.is_encrypted)
    out.seek(0)
    return out
