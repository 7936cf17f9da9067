"""What a file really is: type by content, zip-container checks and safe filenames.

The extension a person's computer gave the file is only a claim. The type is decided
from the bytes, from an allow-list, and the claim must agree with it.
"""

from __future__ import annotations

import codecs
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree import ElementTree

from .errors import UploadRefused

READ_BLOCK = 1024 * 1024
SNIFF_BYTES = 8192
MAX_DISPLAY_NAME = 150
MAX_ORIGINAL_NAME = 255
# Parts of an Office/OpenDocument file we parse are small; a large one is not a real document.
MAX_XML_PART = 1024 * 1024
MAX_RELS_PARTS = 500


@dataclass(frozen=True)
class FileType:
    code: str
    media_type: str
    description: str
    extensions: tuple[str, ...]


ALLOWED = {
    t.code: t
    for t in (
        FileType("pdf", "application/pdf", "a PDF", ("pdf",)),
        FileType(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "a Word document",
            ("docx",),
        ),
        FileType(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "an Excel spreadsheet",
            ("xlsx",),
        ),
        FileType("odt", "application/vnd.oasis.opendocument.text", "an OpenDocument text document", ("odt",)),
        FileType("ods", "application/vnd.oasis.opendocument.spreadsheet", "an OpenDocument spreadsheet", ("ods",)),
        FileType("csv", "text/csv", "a CSV file", ("csv",)),
        FileType("txt", "text/plain", "a text file", ("txt",)),
        FileType("png", "image/png", "a PNG image", ("png",)),
        FileType("jpeg", "image/jpeg", "a JPEG image", ("jpg", "jpeg")),
    )
}
BY_EXTENSION = {ext: t for t in ALLOWED.values() for ext in t.extensions}
TEXT_TYPES = ("csv", "txt")
# Content we recognise but do not accept, named for the mismatch message.
OTHER_DESCRIPTIONS = {"text": "a text file", "rtf": "a Rich Text Format document"}

_EXECUTABLE_MAGIC = (
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O (both byte orders, 32 and 64 bit)
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary, Java class
    b"#!",  # script with an interpreter line
    b"\x00asm",  # WebAssembly
    b"L\x00\x00\x00\x01\x14\x02\x00",  # Windows shortcut (.lnk)
)
_ARCHIVE_MAGIC = (
    b"PK\x05\x06",  # empty zip
    b"PK\x07\x08",  # spanned zip
    b"\x1f\x8b",  # gzip
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\x28\xb5\x2f\xfd",  # zstandard
    b"MSCF\x00\x00\x00\x00",  # Windows cabinet
    b"LZIP\x01",
    b"!<arch>\n",  # ar (.deb)
    b"xar!\x00\x1c",
)
_BZIP2 = re.compile(rb"^BZh[1-9]1AY&SY")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLD_OFFICE_EXTENSIONS = ("doc", "dot", "xls", "xlt", "ppt")
# Names inside a document container that would run if someone extracted and opened them.
_EXECUTABLE_EXTENSIONS = (
    ".exe", ".dll", ".com", ".scr", ".msi", ".bat", ".cmd", ".ps1", ".vbs", ".vbe", ".js", ".jse",
    ".wsf", ".hta", ".jar", ".lnk", ".sh", ".elf",
)  # fmt: skip

# Text may hold tab, line feed, form feed and carriage return; other C0 controls and DEL
# mean binary content. Bytes undefined in Windows-1252 rule that encoding out too.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")

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


@dataclass(frozen=True)
class Limits:
    max_size: int
    zip_max_entries: int
    zip_max_uncompressed: int

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(
            max_size=int(config.get("MAX_CONTENT_LENGTH") or 50 * 1024 * 1024),
            zip_max_entries=int(config.get("DOCUMENTS_ZIP_MAX_ENTRIES") or 10_000),
            zip_max_uncompressed=int(config.get("DOCUMENTS_ZIP_MAX_UNCOMPRESSED") or 1024**3),
        )


# ---------------------------------------------------------------- filenames


def clean_original_name(name: str | None) -> str:
    """The name as the browser sent it, kept for the record: only NULs (which databases
    refuse) removed and the length bounded. Never put this in a header or a path."""
    return (name or "").replace("\x00", "")[:MAX_ORIGINAL_NAME]


_WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])$", re.IGNORECASE)


def sanitise_filename(name: str | None) -> str:
    """A display name safe to show, to put in a download header and to save on any OS.

    Path parts are dropped (old browsers send ``C:\\Users\\...``), control and invisible
    formatting characters (including right-to-left overrides that disguise an
    extension) are removed, characters Windows forbids become ``_``, and the result is
    at most 150 characters with the extension kept.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        " " if unicodedata.category(ch) in ("Zs", "Zl", "Zp") or ch in "\t\n\r" else ch
        for ch in name
        if unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs", "Cn") or ch in "\t\n\r"
    )
    name = _WINDOWS_FORBIDDEN.sub("_", name)
    # Trailing dots and spaces vanish on Windows (hiding the real extension), so go first.
    name = re.sub(r" {2,}", " ", name).rstrip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext.strip(" ")[:10]
    # Leading dots would make a hidden file; ".txt" alone is a text file with no stem.
    stem = stem.strip(" ").lstrip(". ")
    if _WINDOWS_RESERVED.match(stem.strip()):
        stem = "_" + stem
    if not stem.strip(" ."):
        stem = "document"
    room = MAX_DISPLAY_NAME - (len(ext) + 1 if ext else 0)
    stem = stem[:room].rstrip(" .")
    return f"{stem}.{ext}" if ext else stem


def extension_of(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


# ---------------------------------------------------------------- content


def detect(source: BinaryIO, ext: str, limits: Limits) -> FileType:
    """Decide the file's type from its content and check the extension agrees.

    ``source`` must be seekable (zip checks read the central directory at the end).
    Raises ``UploadRefused`` with a reason code; returns the allowed ``FileType``.
    """
    source.seek(0)
    head = source.read(SNIFF_BYTES)
    kind = _sniff(head, ext)
    if kind == "zip":
        kind = inspect_zip(source, limits)
    elif kind is None and ext in TEXT_TYPES:
        kind = "text" if is_text(source) else None

    expected = BY_EXTENSION.get(ext)
    if expected is None:
        raise UploadRefused("type_not_allowed")
    if kind == expected.code or (kind == "text" and expected.code in TEXT_TYPES):
        return expected
    if kind is None:
        raise UploadRefused(
            "type_mismatch", ext=ext, actual=f"not {expected.description}", expected=expected.description
        )
    actual = ALLOWED[kind].description if kind in ALLOWED else OTHER_DESCRIPTIONS[kind]
    raise UploadRefused("type_mismatch", ext=ext, actual=actual, expected=expected.description)


def _sniff(head: bytes, ext: str) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(_EXECUTABLE_MAGIC) or _is_windows_program(head):
        raise UploadRefused("executable")
    if head.startswith(_ARCHIVE_MAGIC) or _BZIP2.match(head) or head[257:262] == b"ustar":
        raise UploadRefused("archive")
    if head.startswith(_OLE2_MAGIC):
        # Legacy .doc/.xls (which may carry macros) - and also .msi installers.
        raise UploadRefused("old_office" if ext in _OLD_OFFICE_EXTENSIONS else "type_not_allowed")
    if head.lstrip(b"\xef\xbb\xbf").startswith(b"{\\rtf"):
        return "rtf"
    return None


def _is_windows_program(head: bytes) -> bool:
    # "MZ" alone is too weak (a text file may start with it): follow e_lfanew to "PE\0\0".
    # A bare DOS program that fails this still fails the text check, so it is refused anyway.
    if not head.startswith(b"MZ") or len(head) < 64:
        return False
    offset = int.from_bytes(head[60:64], "little")
    return head[offset : offset + 4] == b"PE\x00\x00"


def is_text(source: BinaryIO) -> bool:
    """UTF-8 (with or without BOM) or Windows-1252 text without binary control bytes.

    Windows-1252 is accepted because Excel's "CSV (Comma delimited)" still writes it.
    """
    source.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = cp1252 = True
    while block := source.read(READ_BLOCK):
        if _CONTROL.search(block):
            return False
        if utf8:
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                utf8 = False
        if cp1252 and _CP1252_UNDEFINED.search(block):
            cp1252 = False
        if not (utf8 or cp1252):
            return False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return utf8 or cp1252


# ---------------------------------------------------------------- zip containers


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
