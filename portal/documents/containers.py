"""Zip-based documents (Office Open XML and OpenDocument): bombs, traversal, macros.

A .docx, .xlsx, .odt or .ods is a zip archive. Before one is accepted we check the
archive itself (how many entries, how big they say they are and really are, what they
are called) and what kind of document it claims to be, refusing macro-enabled ones.
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from typing import TYPE_CHECKING, BinaryIO
from xml.etree import ElementTree

from .errors import UploadRefused

if TYPE_CHECKING:
    from .checks import Limits

READ_BLOCK = 1024 * 1024
# Parts of an Office/OpenDocument file we parse are small; a large one is not a real document.
MAX_XML_PART = 1024 * 1024
MAX_RELS_PARTS = 500

# Names inside a document container that would run if someone extracted and opened them.
_EXECUTABLE_EXTENSIONS = (
    ".exe", ".dll", ".com", ".scr", ".msi", ".bat", ".cmd", ".ps1", ".vbs", ".vbe", ".js", ".jse",
    ".wsf", ".hta", ".jar", ".lnk", ".sh", ".elf",
)  # fmt: skip

_ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
}
_MACRO_MARKERS = ("macroenabled", "vbaproject", "macrosheet")
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def inspect_zip(source: BinaryIO, limits: Limits) -> str:
    """Check a zip-based file and say which allowed document it is ('docx', 'xlsx', 'odt', 'ods').

    Refuses bombs (too many entries, or more uncompressed bytes than the limit), entries
    whose names would leave the folder they are extracted to, links, encrypted entries,
    programs inside, macros, and zips that are not a document at all.
    """
    source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
            _check_entries(infos, limits)
            names = {info.filename for info in infos}
            if "mimetype" in names:
                kind = _odf_kind(archive, names)
            elif "[Content_Types].xml" in names:
                kind = _ooxml_kind(archive, names)
            else:
                raise UploadRefused("archive")
            _verify_entries(archive, infos, limits)
            return kind
    except UploadRefused:
        raise
    except RuntimeError as exc:  # zipfile's "password required"
        raise UploadRefused("encrypted") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, ElementTree.ParseError, UnicodeDecodeError) as exc:  # fmt: skip
        raise UploadRefused("damaged") from exc


def unsafe_entry_name(name: str) -> bool:
    """True for names that leave the extraction folder or hide what they are."""
    if not name or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return True
    if name.startswith(("/", "\\")) or "\\" in name or re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in name.split("/")


def _check_entries(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    if not infos:
        raise UploadRefused("damaged")
    # Declared sizes first (cheap); _verify_entries then proves they were not lies.
    if len(infos) > limits.zip_max_entries:
        raise UploadRefused("zip_too_big")
    if sum(info.file_size for info in infos) > limits.zip_max_uncompressed:
        raise UploadRefused("zip_too_big")
    seen = set()
    for info in infos:
        # orig_filename: zipfile silently cuts a name at a NUL, hiding what follows.
        if unsafe_entry_name(info.orig_filename):
            raise UploadRefused("unsafe")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UploadRefused("unsafe")
        # Two entries with one name: tools disagree on which wins, so a scanner and a
        # reader could see different content.
        if info.filename.lower() in seen:
            raise UploadRefused("unsafe")
        seen.add(info.filename.lower())
        if info.flag_bits & 0x1:
            raise UploadRefused("encrypted")
        if info.filename.lower().endswith(_EXECUTABLE_EXTENSIONS):
            raise UploadRefused("executable")


def _read_part(archive: zipfile.ZipFile, name: str, limit: int = MAX_XML_PART) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise UploadRefused("damaged")
    with archive.open(info) as part:
        data = part.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused("damaged")
    return data


def _parse_xml(data: bytes) -> ElementTree.Element:
    # Office packages never carry a DTD; refusing one rules out entity tricks that could
    # hide a content type from us but not from Office.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UploadRefused("unsafe")
    return ElementTree.fromstring(data)  # noqa: S314 - no DTD (refused above), so no entity expansion


def _odf_kind(archive: zipfile.ZipFile, names: set[str]) -> str:
    mimetype = _read_part(archive, "mimetype", 200).decode("ascii").strip()
    # OpenDocument keeps Basic macros under Basic/ and other scripts under Scripts/.
    if any(name.startswith(("Basic/", "Scripts/")) for name in names):
        raise UploadRefused("macro")
    kind = _ODF_TYPES.get(mimetype)
    if kind is None:
        raise UploadRefused("type_not_allowed")
    return kind


def _ooxml_kind(archive: zipfile.ZipFile, names: set[str]) -> str:
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise UploadRefused("macro")
    root = _parse_xml(_read_part(archive, "[Content_Types].xml"))
    content_types = {}
    for element in root:
        if element.tag in (f"{_CT_NS}Default", f"{_CT_NS}Override"):
            ctype = (element.get("ContentType") or "").strip().lower()
            if any(marker in ctype for marker in _MACRO_MARKERS):
                raise UploadRefused("macro")
            if element.tag == f"{_CT_NS}Override":
                content_types[(element.get("PartName") or "").lstrip("/")] = ctype
    _check_relationships(archive, names)
    mains = {(part, _OOXML_MAIN[ct]) for part, ct in content_types.items() if ct in _OOXML_MAIN}
    if len(mains) != 1:
        raise UploadRefused("type_not_allowed")
    [(part, kind)] = mains
    if part not in names:
        raise UploadRefused("damaged")
    return kind


def _check_relationships(archive: zipfile.ZipFile, names: set[str]) -> None:
    rels = [name for name in names if name.endswith(".rels")]
    if len(rels) > MAX_RELS_PARTS:
        raise UploadRefused("zip_too_big")
    for name in rels:
        for rel in _parse_xml(_read_part(archive, name)).iter(f"{_REL_NS}Relationship"):
            rel_type = (rel.get("Type") or "").lower()
            if "vbaproject" in rel_type:
                raise UploadRefused("macro")
            # A template fetched from elsewhere when the document opens can bring macros
            # with it ("remote template injection").
            if rel_type.endswith("/attachedtemplate") and (rel.get("TargetMode") or "").lower() == "external":
                raise UploadRefused("macro")


def _verify_entries(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    # Decompress everything once, counting real bytes, so a header that understates a
    # size (zipfile stops at the declared size and then fails the CRC) or a corrupt
    # entry is caught here rather than by whoever opens the document later.
    budget = limits.zip_max_uncompressed
    for info in infos:
        if info.is_dir():
            continue
        with archive.open(info) as entry:
            while block := entry.read(READ_BLOCK):
                budget -= len(block)
                if budget < 0:
                    raise UploadRefused("zip_too_big")
