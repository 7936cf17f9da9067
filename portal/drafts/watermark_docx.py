"""DOCX stamping for portal.drafts.watermark: header and footer paragraphs, core properties, and the zip writer."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.pkgwriter import PackageWriter
from docx.shared import Pt
from lxml import etree

from portal.drafts.watermark import WatermarkError


def _stamp_docx(data: bytes, text: str) -> io.BytesIO:
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as exc:
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
    _save(document, out)
    out.seek(0)
    return out


# Parts that deflate cannot shrink: storing them as they are makes saving three times faster
# (recompressing a report's photographs was two thirds of the time, bench/watermark.py).
PRECOMPRESSED = (".jpeg", ".jpg", ".png", ".gif", ".webp", ".wdp", ".mp3", ".mp4", ".m4a")


class _ZipWriter:
    """python-docx's physical package writer, with deflate only where it helps."""

    def __init__(self, file) -> None:
        self._zip = zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED)

    def write(self, pack_uri, blob: bytes) -> None:
        name = pack_uri.membername
        stored = name.lower().endswith(PRECOMPRESSED)
        self._zip.writestr(name, blob, compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)

    def close(self) -> None:
        self._zip.close()


def _save(document, out) -> None:
    """``document.save(out)`` (python-docx's OpcPackage.save and PackageWriter.write, pinned
    1.2.0) with the writer above; tests/drafts_io reads every copy back with python-docx."""
    package = document.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    writer = _ZipWriter(out)
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    writer.close()
