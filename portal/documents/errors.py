"""Why an upload was refused, in words a person understands (GOV.UK Design System tone)."""

from __future__ import annotations

ALLOWED_TYPES_TEXT = "a PDF, Word, Excel, OpenDocument, CSV, text, PNG or JPEG file"

MESSAGES = {
    "no_file": "Select a file",
    "empty": "The selected file is empty",
    "too_large": "The selected file must be smaller than {limit}",
    "type_not_allowed": f"The selected file must be {ALLOWED_TYPES_TEXT}",
    "type_mismatch": "The selected file’s name ends in .{ext} but the file is {actual}. "
    "Choose a different file or save it as {expected}",
    "macro": "The selected file contains macros or links to them. "
    "Save it without macros (as .docx, .xlsx, .odt or .ods) and upload it again",
    "archive": "The selected file is a zip or other archive. Upload the files inside it one at a time",
    "executable": f"The selected file is a program or script, which cannot be uploaded. "
    f"The selected file must be {ALLOWED_TYPES_TEXT}",
    "old_office": "The selected file is in an old Word or Excel format. Save it as .docx or .xlsx and upload it again",
    "encrypted": "The selected file is password protected. Remove the password and upload it again",
    "zip_too_big": "The selected file is too big to check once it is opened. "
    "Split it into smaller files and upload them one at a time",
    "unsafe": "The selected file is damaged or unsafe and cannot be uploaded. Save it again and upload the new copy",
    "damaged": "The selected file could not be opened. Save it again and upload the new copy",
    "infected": "The selected file contains a virus",
    "scanner_unavailable": "Files cannot be uploaded at the moment because the virus checker is not working. "
    "Try again later",
    "scan_failed": "The selected file could not be checked for viruses. Try again later",
}

# The HTTP status an area may answer with. Most refusals are a problem with the file
# (422, which htmx can be told to swap); too big is 413; a scanner outage is ours (503).
STATUS = {"too_large": 413, "scanner_unavailable": 503, "scan_failed": 503}


class UploadRefused(Exception):
    """An upload that will not be stored. ``reason`` is a stable code for audit and tests."""

    def __init__(self, reason: str, *, detail: dict | None = None, **params):
        self.reason = reason
        # For the audit record only: reason codes and identifiers, never file content.
        self.detail = detail or {}
        self.message = MESSAGES[reason].format(**params)
        self.status_code = STATUS.get(reason, 422)
        super().__init__(f"{reason}: {self.message}")


class DocumentIntegrityError(Exception):
    """A stored document failed verification (tampered, truncated, missing or wrong key).

    Raised before any byte is sent; ``init_app`` renders it as an error page.
    """


def human_size(size: int) -> str:
    """50 MB, 1.5 GB - binary multiples, labelled as Windows Explorer labels them."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"
