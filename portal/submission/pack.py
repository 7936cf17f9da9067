"""The Home Office submission pack: one zip of the signed-off files, the action plan and a
covering sheet, marked OFFICIAL-SENSITIVE, whose SHA-256 is recorded with the submission.

The same inputs always give the same bytes, so the same hash: entries have a fixed timestamp,
fixed attributes and a fixed order (README.txt first, then the rest by name), and the covering
sheet's own zip (a Word file is one) is rewritten with fixed timestamps too. A recorded hash can
then be checked against a pack rebuilt from the stored files, and two downloads of the same
submission are the same file.

Entry names are plain ASCII file names (``ascii_filename``): no folders, no "..", nothing an
unzip tool on Windows or macOS could misread or refuse, repeats numbered. The given files go in
byte for byte. The covering sheet carries only what the Home Office needs to place the report
(case reference, CSP, the lifecycle's dates): never a restricted identity, since nothing it
is given holds one.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from portal.documents.downloads import ascii_filename
from portal.web.exports import MARKING, docx_table
from portal.web.text import printable

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say; any fixed time would do
README = "README.txt"
ACTION_PLAN = "Action plan.xlsx"
_MAX_NAME = 100  # characters: well inside Windows' path limit once unzipped into a folder
# Names Windows keeps for devices: "CON.docx" cannot be created there.
_WINDOWS_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PackFile:
    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class CoveringSheet:
    case_reference: str
    csp: str
    dates: Sequence[tuple[str, date | None]]  # ("Signed off by the CRG", date), in lifecycle order


def entry_name(name: str) -> str:
    """``name`` as a safe zip entry: its last path part, in ASCII, not a Windows device name,
    at most ``_MAX_NAME`` characters with its extension kept."""
    base = re.split(r"[\\/]", name)[-1]
    safe = ascii_filename(base)
    stem, dot, extension = safe.rpartition(".")
    if not dot:
        stem, extension = safe, ""
    if _WINDOWS_RESERVED.fullmatch(safe):
        stem = "_" + stem
    suffix = f".{extension}" if extension else ""
    stem = stem[: max(1, _MAX_NAME - len(suffix))].rstrip(" .") or "document"
    return stem + suffix


def _numbered(name: str, taken: set[str]) -> str:
    """``name``, or "name (2).ext" and so on if an entry of that name (any case) is taken."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{stem} ({number})" + (f".{extension}" if extension else "")
    taken.add(candidate.lower())
    return candidate


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, wherever the pack is built
    info.external_attr = 0o100644 << 16  # a plain file, readable by all
    return info


def _zip(entries: Sequence[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(_info(name), data, compresslevel=6)
    return out.getvalue()


def _fixed_times(package: bytes) -> bytes:
    """A zip (Word writes one) again, member for member in its order, with fixed timestamps."""
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        return _zip([(item.filename, source.read(item.filename)) for item in source.infolist()])


def covering_sheet_docx(sheet: CoveringSheet, contents: Sequence[str]) -> bytes:
    """The covering sheet as Word: the marking in every header and footer and above the title,
    the case reference and CSP, what the pack holds, then the lifecycle's dates as a table."""
    intro = [
        f"Case reference: {sheet.case_reference}",
        f"Community Safety Partnership: {sheet.csp}",
        "This pack holds: " + "; ".join(contents) + ".",
        f"The SHA-256 of each file is listed in {README}.",
    ]
    rows = [(label, when if when is not None else "Not recorded") for label, when in sheet.dates]
    built = docx_table(
        f"Home Office submission: {sheet.case_reference}",
        ["Stage", "Date"],
        rows,
        intro=intro,
        widths=[3, 2],
    )
    return _fixed_times(built)


def _readme(sheet: CoveringSheet, entries: Sequence[tuple[str, bytes]]) -> bytes:
    # Windows line ends: the Home Office opens this in Notepad. The list is in sha256sum's format,
    # so `sha256sum -c` on the unzipped folder checks every file.
    lines = [
        MARKING,
        "",
        f"Home Office submission pack: {one_line(sheet.case_reference)}",
        f"Community Safety Partnership: {one_line(sheet.csp)}",
        "",
        "Handle as OFFICIAL-SENSITIVE: store and share only as that marking allows.",
        "",
        "Contents (SHA-256 and file name):",
        *(f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in entries),
        "",
        MARKING,
        "",
    ]
    return "\r\n".join(lines).encode("utf-8")


def one_line(text: str) -> str:
    return " ".join(printable(text).split())


def build_pack(
    files: Sequence[PackFile],
    *,
    covering_sheet: CoveringSheet,
    action_plan_xlsx: bytes | None,
) -> tuple[bytes, str]:
    """The pack as zip bytes and its SHA-256 (hex): README.txt, the covering sheet, the action
    plan (if given) and ``files`` byte for byte, under safe names."""
    taken = {README.lower()}
    reference = entry_name(f"Covering sheet {covering_sheet.case_reference}.docx")
    sheet_name = _numbered(reference, taken)
    named: list[tuple[str, bytes]] = []
    if action_plan_xlsx is not None:
        named.append((_numbered(ACTION_PLAN, taken), action_plan_xlsx))
    # Sorted before numbering, so the same files in another order give the same names and bytes.
    for name, data in sorted(
        ((entry_name(file.name), file.data) for file in files),
        key=lambda item: (item[0].lower(), item[0], hashlib.sha256(item[1]).digest()),
    ):
        named.append((_numbered(name, taken), data))
    contents = sorted([name for name, _ in named], key=str.lower)
    sheet = covering_sheet_docx(covering_sheet, contents)
    entries = sorted([(sheet_name, sheet), *named], key=lambda item: (item[0].lower(), item[0]))
    package = _zip([(README, _readme(covering_sheet, entries)), *entries])
    return package, hashlib.sha256(package).hexdigest()


def pack_manifest(zip_bytes: bytes) -> list[tuple[str, str]]:
    """Each entry of a pack, in order, with the SHA-256 (hex) of its bytes."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        return [(item.filename, hashlib.sha256(archive.read(item)).hexdigest()) for item in archive.infolist()]
