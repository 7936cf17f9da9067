"""What a file really is: type by content from an allow-list (zip-based documents in containers.py).

The extension a person's computer gave the file is only a claim. The type is decided
from the bytes, from an allow-list, and the claim must agree with it.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import BinaryIO

from .containers import inspect_zip
from .errors import UploadRefused

READ_BLOCK = 1024 * 1024
SNIFF_BYTES = 8192


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

# Text may hold tab, line feed, form feed and carriage return; other C0 controls and DEL
# mean binary content. Bytes undefined in Windows-1252 rule that encoding out too.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


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
        kind = inspect_zip(source, limits)  # 'docx', 'xlsx', 'odt' or 'ods', or refused
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
