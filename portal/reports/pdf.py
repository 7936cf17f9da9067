"""The board report as a PDF (WeasyPrint), from the same template as the page."""

from __future__ import annotations

from pathlib import Path

from flask import render_template

from portal.config import ROOT
from portal.web.text import printable

from .board import BoardReport

STYLESHEET = Path(ROOT) / "static" / "css" / "board-report-print.css"


def _no_fetching(url, *args, **kwargs):
    # The report is self-contained: nothing is fetched while rendering it, from anywhere.
    raise ValueError(f"refusing to fetch {url!r} while rendering a PDF")


def render(report: BoardReport, html: str | None = None) -> bytes:
    """The PDF of ``report``; ``html`` is its print HTML when the caller has it already."""
    from weasyprint import CSS, HTML

    if html is None:
        html = render_template("reports/board-report-print.html", report=report)
    # Control characters saved before input was cleaned are dropped here, as in every export.
    html = printable(html)
    document = HTML(string=html, url_fetcher=_no_fetching)
    return document.write_pdf(stylesheets=[CSS(string=STYLESHEET.read_text(), url_fetcher=_no_fetching)])
