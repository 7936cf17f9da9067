"""Text as people type it, made safe to store and to export.

Control characters come in with pasted text (Word's manual line break is a vertical tab;
terminals paste ESC sequences; a NUL can ride along from a binary file). PostgreSQL refuses
NUL, and XML (so Word and Excel files) refuses most of the others, so one of them saved in a
CRG update used to break the board report for everyone. They are invisible, so a message
asking someone to remove them would not help: ``clean`` drops them on the way in (every
query parameter and form value, see ``requests.CleanParameters``), and ``printable`` drops them
again on the way out of every export, for text saved before this existed.
"""

from __future__ import annotations

import re

# Line breaks other than \n and \r: vertical tab, form feed, NEL (C1 "next line").
_BREAKS = re.compile("[\x0b\x0c\x85]")
# Never wanted in any text: C0 controls except tab, LF and CR; DEL; the rest of C1;
# lone surrogates; and U+FFFE/U+FFFF, which XML refuses.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean(value: str) -> str:
    """``value`` without control characters; other line breaks become ``\\n``. Tabs and line breaks stay."""
    if not _UNWANTED.search(value):  # the common case costs one scan
        return value
    return _CONTROLS.sub("", _BREAKS.sub("\n", value))


def one_line(value):
    """The single-line field filter: whitespace runs (tabs, line breaks) become one space, ends trimmed."""
    return " ".join(value.split()) if isinstance(value, str) else value


def multi_line(value):
    """The multi-line field filter: ends trimmed; line breaks and tabs inside are kept as typed."""
    return value.strip() if isinstance(value, str) else value


def optional_text(value: str | None) -> str | None:
    """What a service stores for an optional answer: trimmed, and None when nothing was typed."""
    value = (value or "").strip()
    return value or None


def printable(value) -> str:
    """Text for an export (Word, PDF, CSV, Excel): cleaned, with line breaks as ``\\n``."""
    if value is None:
        return ""
    text = clean(str(value))
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
