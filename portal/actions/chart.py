"""A horizontal bar chart of completion, drawn on the server as SVG (no JavaScript, no library).

Accessible by construction: the SVG is ``role="img"`` named by its ``<title>`` and described by
a ``<desc>`` that reads every bar's figures; each bar carries its numbers as text ("3 of 4,
75%") so nothing is told by colour alone; the same numbers go in a table beside the chart
(``completion_rows``). Every label is escaped: theme and agency names are typed by people.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from markupsafe import Markup, escape

# GOV.UK Frontend palette.
GREEN = "#00703c"  # complete
GREY_FILL = "#f3f2f1"  # the rest of the bar
GREY_BORDER = "#505a5f"
TEXT = "#0b0c0c"

# Drawn at 16 px text when shown at its own width (the stylesheet caps it at WIDTH px; the
# tracker gives each chart the full column, so it is not scaled down on a desktop screen).
WIDTH = 720
LABEL_WIDTH = 300
BAR_WIDTH = 280
ROW_HEIGHT = 32
LINE_HEIGHT = 20
BAR_HEIGHT = 20
TOP = 8
# A label wraps onto a second line past about what 292 px of 16 px text holds, so that agency
# names such as "University Hospitals of Leicester NHS Trust" show whole; only a label longer
# than two lines is shortened (the whole label is then the bar's hover title, and in the table).
LABEL_CHARACTERS = 34
LABEL_LINES = 2

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


class ChartRow(NamedTuple):
    label: str
    complete: int
    total: int
    percent: int

    @property
    def text(self) -> str:
        """The figures as words: "3 of 4 complete (75%)"."""
        return f"{self.complete} of {self.total} complete ({self.percent}%)"


def completion_rows(bars: Sequence[Sequence]) -> list[ChartRow]:
    """The chart's numbers for the table beside it: label, complete, total, whole per cent.

    ``bars`` are ``(label, complete, total)``, or longer tuples such as ``figures.Completion``
    (the rest is ignored). The per cent is rounded down, so 100% means all complete.
    """
    rows = []
    for bar in bars:
        label, complete, total = str(bar[0]), int(bar[1]), int(bar[2])
        if total < 0 or complete < 0 or complete > total:
            raise ValueError(f"bar {label!r}: {complete} complete of {total}")
        rows.append(ChartRow(label, complete, total, 100 * complete // total if total else 0))
    return rows


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1].rstrip() + "\u2026"


def label_lines(label: str) -> list[str]:
    """The label on at most LABEL_LINES lines of LABEL_CHARACTERS, broken between words; what is
    left over after the last line is shortened with an ellipsis."""
    lines: list[str] = []
    words = label.split()
    while words and len(lines) < LABEL_LINES:
        line = words.pop(0)
        while words and len(line) + 1 + len(words[0]) <= LABEL_CHARACTERS:
            line += " " + words.pop(0)
        lines.append(line)
    if words:
        lines[-1] = _short(lines[-1] + " " + " ".join(words))
    lines = [_short(line) for line in lines]
    return lines or [""]


def _row_height(lines: list[str]) -> int:
    return ROW_HEIGHT + LINE_HEIGHT * (len(lines) - 1)


def completion_chart(title: str, bars: Sequence[Sequence], *, id_prefix: str) -> Markup:
    """The chart as inline SVG markup. ``id_prefix`` makes the title and description ids unique
    on the page (two charts, by theme and by agency, sit on the tracker)."""
    if not _ID.match(id_prefix):
        raise ValueError(f"id_prefix {id_prefix!r}: letters, digits, - and _ only, starting with a letter")
    rows = completion_rows(bars)
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    figures = "; ".join(f"{row.label}: {row.text}" for row in rows)
    description = f"{figures}." if rows else "No actions to show."
    wrapped = [label_lines(row.label) for row in rows]
    height = TOP * 2 + (sum(_row_height(lines) for lines in wrapped) if rows else ROW_HEIGHT)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-completion-chart" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" font-family="GDS Transport, arial, sans-serif" font-size="16">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
    ]
    if not rows:
        parts.append(f'<text x="0" y="{TOP + ROW_HEIGHT / 2 + 5:g}" fill="{TEXT}">No actions to show</text>')
    y = TOP
    for row, lines in zip(rows, wrapped, strict=True):
        row_height = _row_height(lines)
        bar_y = y + (row_height - BAR_HEIGHT) / 2
        text_y = y + row_height / 2 + 5  # baseline a little below the middle
        first_y = text_y - LINE_HEIGHT * (len(lines) - 1) / 2
        y += row_height
        filled = BAR_WIDTH * row.complete / row.total if row.total else 0
        label = escape(row.label)
        parts.append("<g>")
        if " ".join(lines) != " ".join(row.label.split()):
            parts.append(f"<title>{label}</title>")  # the whole label on hover
        spans = "".join(
            f'<tspan x="{LABEL_WIDTH - 8}" y="{first_y + LINE_HEIGHT * number:g}">{escape(line)}</tspan>'
            for number, line in enumerate(lines)
        )
        parts.append(f'<text text-anchor="end" fill="{TEXT}">{spans}</text>')
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{bar_y:g}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" '
            f'fill="{GREY_FILL}" stroke="{GREY_BORDER}" stroke-width="1"/>'
        )
        if filled:
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{bar_y:g}" width="{filled:.1f}" height="{BAR_HEIGHT}" fill="{GREEN}"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{text_y:g}" fill="{TEXT}">'
            f"{row.complete} of {row.total}, {row.percent}%</text>"
        )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above went through escape()
