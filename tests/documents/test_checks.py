"""Content sniffing and filename rules, directly (the upload tests cover them end to end)."""

from __future__ import annotations

import io

import pytest

from portal.documents.checks import Limits, detect, is_text
from portal.documents.containers import unsafe_entry_name
from portal.documents.errors import UploadRefused, human_size
from portal.documents.filenames import extension_of, sanitise_filename

from . import samples

LIMITS = Limits(max_size=50 * 1024 * 1024, zip_max_entries=10_000, zip_max_uncompressed=1024**3)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("C:\\Users\\jo\\report.pdf", "report.pdf"),
        ("/etc/passwd", "passwd"),
        ("a\x00b\x1fc\x7f.txt", "abc.txt"),
        ("tab\there.txt", "tab here.txt"),
        ("line\r\nbreak.txt", "line break.txt"),
        ("zero\u200bwidth.txt", "zerowidth.txt"),
        ("evil\u202egpj.exe", "evilgpj.exe"),
        ('what?<is>:"this"|*.txt', "what__is___this___.txt"),
        ("trailing dots... .pdf. . .", "trailing dots.pdf"),
        (".bashrc", "document.bashrc"),
        (".txt", "document.txt"),
        ("CON.txt", "_CON.txt"),
        ("lpt1.pdf", "_lpt1.pdf"),
        ("", "document"),
        ("   ", "document"),
        ("Zoë’s notes.docx", "Zoë’s notes.docx"),
        ("e\u0301.txt", "\u00e9.txt"),  # NFC
    ],
)
def test_sanitise_filename(name, expected):
    assert sanitise_filename(name) == expected


def test_long_names_are_cut_keeping_the_extension():
    name = sanitise_filename("x" * 500 + ".xlsx")
    assert len(name) == 150 and name.endswith(".xlsx")


@pytest.mark.parametrize(("name", "ext"), [("a.PDF", "pdf"), ("a.tar.gz", "gz"), ("noext", ""), ("a.", "")])
def test_extension_of(name, ext):
    assert extension_of(name) == ext


@pytest.mark.parametrize(
    "name",
    ["../x", "a/../../x", "/x", "\\x", "a\\b", "C:x", "c:/x", "a\x00b", "a\nb", "", "..", "a/.."],
)
def test_unsafe_entry_names(name):
    assert unsafe_entry_name(name)


@pytest.mark.parametrize("name", ["word/document.xml", "a..b/c", "[Content_Types].xml", "./a", "a//b"])
def test_safe_entry_names(name):
    assert not unsafe_entry_name(name)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"plain ascii\n", True),
        ("\ufeffBOM then UTF-8 – dash\n".encode(), True),
        ("£20,Zoë\r\n".encode("cp1252"), True),
        (b"form\x0cfeed and\ttab\r\n", True),
        (b"nul\x00byte", False),
        (b"bell\x07", False),
        (b"\x81 undefined in cp1252 and invalid utf-8", False),
        ("é".encode()[:1] + b" truncated utf-8 but valid cp1252", True),
    ],
)
def test_is_text(data, text):
    assert is_text(io.BytesIO(data)) is text


def test_utf8_split_across_read_blocks_is_still_text():
    data = b"a" * (1024 * 1024 - 1) + "é".encode() + b"b" * 10
    assert is_text(io.BytesIO(data))


def test_detect_returns_the_allowed_type():
    assert detect(io.BytesIO(samples.docx()), "docx", LIMITS).media_type.endswith("wordprocessingml.document")
    assert detect(io.BytesIO(samples.txt()), "csv", LIMITS).media_type == "text/csv"


def test_refusal_carries_reason_message_and_status():
    with pytest.raises(UploadRefused) as refused:
        detect(io.BytesIO(samples.docm()), "docx", LIMITS)
    assert refused.value.reason == "macro"
    assert refused.value.status_code == 422
    assert refused.value.message.startswith("The selected file contains macros")


@pytest.mark.parametrize(
    ("size", "text"), [(50 * 1024 * 1024, "50 MB"), (1024**3, "1 GB"), (1536 * 1024, "1.5 MB"), (900, "900 bytes")]
)
def test_human_size(size, text):
    assert human_size(size) == text
