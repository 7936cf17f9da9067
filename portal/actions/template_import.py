"""The action plan imported from Excel in the Home Office template.

All or nothing: every row is checked, each problem becomes a ``RowError`` naming the row and
column as the person sees them in Excel ("Row 5, Lead agency: ..."), and if there is any error
nothing is imported, so a half-imported plan never has to be untangled. Formulas are never
evaluated (openpyxl reads the file as data; a formula cell is an error: its cached value could be
anything the file's author chose). The file checks, the reader and date parsing are
``portal.web.imports``, shared with the chronology import.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime

from rapidfuzz import fuzz, process

from portal.web.imports import (
    CellError,
    Formula,
    Refused,
    RowError,
    blank,
    cell_text,
    check_size,
    heading_key,
    parse_date,
    row_error,
    xlsx_rows,
)

from .template_columns import (
    ACTION,
    HOME_OFFICE_COLUMNS,
    LEAD_AGENCY,
    RECOMMENDATION,
    SCOPE,
    SCOPES,
    TARGET_DATE,
)

MAX_BYTES = 5 * 1024 * 1024  # the file as uploaded
MAX_UNPACKED = 20 * 1024 * 1024  # bytes inside the workbook; a 2,000-row plan unpacks to about 2 MB
MAX_TEXT = 5000  # characters in one cell: a paragraph or two, not a pasted report


# -- Import ------------------------------------------------------------------------------------


@dataclass(slots=True)
class ImportedAction:
    action: str
    lead_agency_id: int | None
    milestones: str
    target_date: date | None
    completion_text: str


@dataclass(slots=True)
class ImportedRecommendation:
    number: int
    text: str
    scope: str  # one of SCOPES
    actions: list[ImportedAction] = field(default_factory=list)


@dataclass(slots=True)
class PlanImport:
    recommendations: list[ImportedRecommendation]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


_EXPECTED = [heading_key(heading) for heading in HOME_OFFICE_COLUMNS]
# "1. text", "1) text", "Recommendation 1: text"; not "24 hour cover" (a number needs its stop).
_NUMBER = re.compile(r"^\s*(?:recommendation\s*(\d{1,4})\s*[.):\-]?|(\d{1,4})\s*[.):])\s+(?=\S)", re.IGNORECASE)
_DETAIL = re.compile(r"^(source|themes?):", re.IGNORECASE)
_PLAUSIBLE_YEARS = range(1990, 2101)


def _text(value) -> str:
    """A cell's value as cleaned text (``cell_text``), ends trimmed."""
    text = cell_text(value.date() if isinstance(value, datetime) else value).strip()
    # The apostrophe safe_cell put before text a spreadsheet would run ("'=SUM(...)") is not
    # part of the text: the round trip through the portal's own export gives back what was typed.
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]
    return text


_HOW = "enter it as DD/MM/YYYY, for example 31/03/2026"


def _date(value) -> date | str | None:
    """A target date, or an error message, or None for a blank cell."""
    try:
        return parse_date(value, years=_PLAUSIBLE_YEARS)
    except CellError as error:
        if error.reason == "unlikely_year":
            return f"{error.day.strftime('%d/%m/%Y')} is not a likely date: check the year"
        if error.reason == "not_a_date":
            return f"'{_text(value)[:40]}' is not a date: {_HOW}"
        return f"'{_text(value)[:40]}' is not a real date: {_HOW}"


def _split_recommendation(text: str) -> tuple[int | None, str]:
    """The number and the text of a recommendation cell, without the source and themes lines
    the export adds below it."""
    lines = text.split("\n")
    while lines and (not lines[-1].strip() or _DETAIL.match(lines[-1].strip())):
        lines.pop()
    text = "\n".join(lines).strip()
    if match := _NUMBER.match(text):
        return int(match[1] or match[2]), text[match.end() :].strip()
    return None, text


def _agency_lookup(agencies: Mapping[str, int]):
    by_key = {_key(name): agency_id for name, agency_id in agencies.items()}
    names = list(agencies)

    def find(name: str) -> int | str:
        agency_id = by_key.get(_key(name))
        if agency_id is not None:
            return agency_id
        message = f"'{name[:80]}' is not an agency in the portal"
        # A suggestion only when one name is clearly the nearest: "Leicester Police" is as near
        # to "Leicester City Council Housing" as to "Leicestershire Police", so it gets none.
        best = process.extract(name, names, scorer=fuzz.WRatio, processor=_key, limit=2)
        if best and best[0][1] >= 65 and (len(best) == 1 or best[0][1] - best[1][1] >= 10):
            message += f": did you mean '{best[0][0]}'?"
        return message

    return find


def _heading_errors(cells: Sequence[str]) -> list[str]:
    found = [heading_key(cell) for cell in cells]
    problems = []
    for index, (expected, heading) in enumerate(zip(_EXPECTED, HOME_OFFICE_COLUMNS, strict=True)):
        letter = chr(ord("A") + index)
        got = found[index] if index < len(found) else ""
        if got == expected:
            continue
        if not got:
            problems.append(f"column {letter} should be headed '{heading}' but has no heading")
        else:
            problems.append(f"column {letter} should be headed '{heading}', not '{cells[index][:60]}'")
    return problems


def _refuse(message: str) -> PlanImport:
    return PlanImport([], [RowError(None, None, message)])


# The shared refusals (``portal.web.imports.MESSAGES``) in this import's words.
_WORDING = {
    "compound_file": "The selected file is password-protected or an old Excel file: remove the password, "
    "save it as an Excel Workbook (.xlsx) and try again",
    "not_zip": "The selected file is not a real Excel workbook: save it from Excel as .xlsx and try again",
    "macros": "The selected file contains macros: save it from Excel as an Excel Workbook (.xlsx)",
    # A small file that unpacks to gigabytes would take the server's memory with it.
    "unpacked_too_big": "The selected file is too large: a plan needs far less than that, "
    "so check it is the right file",
    "not_workbook": "The selected file could not be read as an Excel workbook: save it from Excel as .xlsx",
    "damaged": "The selected file could not be read as an Excel workbook: save it from Excel as .xlsx",
}


def parse_plan(filename: str, data: bytes, agencies: Mapping[str, int], *, max_rows: int = 2000) -> PlanImport:
    """Read an action plan from an Excel file in the Home Office template.

    ``agencies`` maps agency names (as the portal holds them) to ids; names in the file match
    them whatever the case and spacing. The heading row is the first of the first ten rows
    whose first cell is "Recommendation" (the portal's own export has the marking and a title
    above it). A blank recommendation cell continues the recommendation above; rows with the
    same recommendation text are one recommendation, wherever they are.
    """
    if not (filename or "").lower().endswith(".xlsx"):
        return _refuse("The selected file must be an Excel workbook (.xlsx)")
    try:
        check_size(data, MAX_BYTES)
        rows = xlsx_rows(data, max_unpacked=MAX_UNPACKED, max_col=len(HOME_OFFICE_COLUMNS))
        with closing(rows):
            return _read(rows, agencies, max_rows=max_rows)
    except Refused as error:
        return _refuse(error.worded(_WORDING))


def _read(rows: Iterator[list], agencies: Mapping[str, int], *, max_rows: int) -> PlanImport:
    errors: list[RowError] = []
    find_agency = _agency_lookup(agencies)
    width = len(HOME_OFFICE_COLUMNS)

    heading_row = None
    for number, cells in enumerate(rows, 1):
        values = [_text(value) for value in cells]
        if values and heading_key(values[0]) == _EXPECTED[0]:
            heading_row = number
            problems = _heading_errors(values[:width])
            if problems:
                return PlanImport(
                    [],
                    [
                        row_error(number, None, f"the headings are not the Home Office template's: {problem}")
                        for problem in problems
                    ],
                )
            break
        if number >= 10:
            break
    if heading_row is None:
        return _refuse(
            "The selected file does not have the Home Office template's headings: the table must start with a "
            "row headed " + ", ".join(f"'{heading}'" for heading in HOME_OFFICE_COLUMNS)
        )

    recommendations: dict[str, ImportedRecommendation] = {}
    first_rows: dict[str, int] = {}  # recommendation key -> the row that first gave it
    numbers: dict[int, str] = {}  # number -> recommendation key
    current: str | None = None
    data_rows = 0
    next_number = 1

    for row_number, cells in enumerate(rows, heading_row + 1):
        if row_number - heading_row > 5 * max_rows:  # blank rows too: a sheet of a million empty rows
            return _refuse(f"The selected file has more than {max_rows:,} rows: split it into smaller files")
        raw = list(cells[:width])
        raw += [None] * (width - len(raw))
        if all(blank(value) for value in raw):
            continue
        data_rows += 1
        if data_rows > max_rows:
            return _refuse(f"The selected file has more than {max_rows:,} rows: split it into smaller files")

        formulas = [
            row_error(row_number, heading, "the cell holds a formula: type the value instead")
            for heading, value in zip(HOME_OFFICE_COLUMNS, raw, strict=True)
            if isinstance(value, Formula)
        ]
        if formulas:
            errors.extend(formulas)
            continue
        row_errors: list[RowError] = []

        texts = [_text(value) for value in raw]
        for heading, text in zip(HOME_OFFICE_COLUMNS, texts, strict=True):
            if len(text) > MAX_TEXT:
                row_errors.append(row_error(row_number, heading, f"must be {MAX_TEXT:,} characters or fewer"))

        # The recommendation: this row's, or the one above it continues.
        number, rec_text = _split_recommendation(texts[0])
        if rec_text:
            key = _key(rec_text)
            if key not in recommendations:
                if number is None:
                    number = next_number
                if number in numbers and numbers[number] != key:
                    row_errors.append(
                        row_error(
                            row_number,
                            RECOMMENDATION,
                            f"number {number} is already used by the recommendation in row "
                            f"{first_rows[numbers[number]]}",
                        )
                    )
                recommendations[key] = ImportedRecommendation(number, rec_text, "")
                first_rows[key] = row_number
                numbers.setdefault(number, key)
                next_number = max(next_number, number + 1)
            current = key
        elif current is None:
            row_errors.append(row_error(row_number, RECOMMENDATION, "enter the recommendation"))
        recommendation = recommendations.get(current) if current else None

        scope_text = _key(texts[1])
        if scope_text:
            if scope_text not in SCOPES:
                row_errors.append(
                    row_error(row_number, SCOPE, f"'{texts[1][:40]}' is not a scope: enter local, regional or national")
                )
            elif recommendation is not None:
                if recommendation.scope and recommendation.scope != scope_text:
                    row_errors.append(
                        row_error(
                            row_number,
                            SCOPE,
                            f"'{texts[1]}' differs from '{recommendation.scope}' given for this recommendation "
                            f"in row {first_rows[current]}",
                        )
                    )
                else:
                    recommendation.scope = scope_text
        elif recommendation is not None and not recommendation.scope and rec_text:
            row_errors.append(row_error(row_number, SCOPE, "enter the scope: local, regional or national"))

        action_text, agency_text, milestones, completion = texts[2], texts[3], texts[4], texts[6]
        target = _date(raw[5])
        has_action = any((action_text, agency_text, milestones, texts[5], completion))
        if has_action:
            if not action_text:
                row_errors.append(row_error(row_number, ACTION, "enter the action to take"))
            agency_id = None
            if not agency_text:
                row_errors.append(row_error(row_number, LEAD_AGENCY, "enter the lead agency"))
            else:
                found = find_agency(agency_text)
                if isinstance(found, str):
                    row_errors.append(row_error(row_number, LEAD_AGENCY, found))
                else:
                    agency_id = found
            if isinstance(target, str):
                row_errors.append(row_error(row_number, TARGET_DATE, target))
            if not row_errors and recommendation is not None:
                recommendation.actions.append(ImportedAction(action_text, agency_id, milestones, target, completion))
        errors.extend(row_errors)

    if not errors and not recommendations:
        return _refuse("The selected file has no recommendations in it")
    if errors:
        return PlanImport([], errors)
    return PlanImport(list(recommendations.values()), [])
