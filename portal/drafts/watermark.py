"""Per-reader watermarks on a draft's download: the stored file is never changed.

``watermark(kind, source, text)`` takes the decrypted bytes of a circulated version and
returns the stamped copy as an iterator of chunks. The work is done before the iterator is
returned, so a damaged file raises ``WatermarkError`` before a response has started.

PDF: one Form XObject holding the stamp (its own subset of DejaVu Sans, Type0/Identity with a
ToUnicode map, so any name is drawn as glyph numbers: no PDF string escaping to get wrong, and
the text extracts as written; a character DejaVu Sans lacks comes from an installed TrueType
font that has it, or is drawn as a box that still reads back right) is drawn 5 mm in from the
foot and the head of every page, upright however the page is rotated, with qpdf (pikepdf).
Each page's own content streams are left compressed as they are: the page gets a shared ``q``
before and a shared ``Q ... Do`` after, so nothing is decoded or recompressed.

DOCX: a paragraph in every header and footer definition of every section (default, first page
and even page), and the text in the core properties (comments, keywords, category).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime

from portal.clock import in_london
from portal.web.dates import govuk_date
from portal.web.text import printable

MARKING = "OFFICIAL-SENSITIVE - DRAFT - not to be copied or forwarded"
CHUNK = 256 * 1024


class WatermarkError(ValueError):
    """The file could not be stamped (damaged, password-protected, or not of its kind)."""


def clean(value: str) -> str:
    """One line of printable text, NFC (so 'ë' is one character whatever the keyboard sent)."""
    # Control characters (and lone surrogates) are refused by XML and mean nothing on a page.
    return " ".join(unicodedata.normalize("NFC", printable(value or "")).split())


def stamp_text(reader_name: str, organisation: str, when: datetime) -> str:
    """'Copy for Jane O'Neil (Leicestershire Police), 1 December 2026 14:05 - OFFICIAL-SENSITIVE - ...'.

    ``when`` is stored UTC (naive means UTC); the stamp shows London time, 24-hour clock.
    """
    local = in_london(when)
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
    # Imported here: both modules import WatermarkError from this one.
    from portal.drafts.watermark_docx import _stamp_docx
    from portal.drafts.watermark_pdf import _stamp_pdf

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


def warm_up() -> None:
    """Read the font and make the common subset (a worker can call this at start)."""
    from portal.drafts.watermark_pdf import _base_subset

    _base_subset()
