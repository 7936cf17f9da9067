"""Filenames from browsers: kept for the record, cleaned for display and downloads."""

from __future__ import annotations

import re
import unicodedata

MAX_DISPLAY_NAME = 150
MAX_ORIGINAL_NAME = 255


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
