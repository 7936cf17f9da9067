"""The board report: a page, a Word document and a PDF of the same live data."""

from __future__ import annotations

from flask import Response, request
from flask_login import current_user

from portal.audit import record
from portal.authz import Action, requires
from portal.clock import london_today
from portal.extensions import db
from portal.web.fields import options as choices
from portal.web.page_cache import cached_page
from portal.web.rendering import render_page

from . import board, bp, files, pdf, word
from .forms import BoardReportForm

WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _report() -> tuple[BoardReportForm, board.BoardReport]:
    """The report the query string asks for: defaults are today and the latest CRG meeting with updates."""
    from portal.cases.updates import meetings

    options = meetings()
    form = BoardReportForm(request.args, meta={"csrf": False})
    form.meeting.choices = choices([(d.isoformat(), f"{d:%B %Y} CRG ({d.day} {d:%B %Y})") for d in options])
    form.validate()
    report_date = london_today()
    if form.report_date.data and not form.report_date.errors:
        report_date = form.report_date.data
    meeting = next((d for d in options if d.isoformat() == form.meeting.data), options[0] if options else None)
    if not form.report_date.errors:
        form.report_date.data = report_date
        form.report_date.raw_data = None  # show the date used, not the empty boxes that were sent
    form.meeting.data = meeting.isoformat() if meeting else ""
    return form, board.build(current_user, report_date, meeting)


def download_args(report: board.BoardReport) -> dict:
    """Query-string values that ask for the same report as a file."""
    day = report.report_date
    args = {"report_date": [str(day.day), str(day.month), str(day.year)]}
    if report.meeting:
        args["meeting"] = report.meeting.isoformat()
    return args


def _download(body: bytes, mimetype: str, report: board.BoardReport, extension: str) -> Response:
    record(
        "reports.board_report_downloaded",
        object_type="board_report",
        detail={"format": extension, "report_date": report.report_date.isoformat(), "cases": len(report.entries)},
    )
    db.session.commit()
    filename = f"board-report-{report.report_date.isoformat()}-OFFICIAL-SENSITIVE.{extension}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/reports/board")
@requires(Action.PRODUCE_BOARD_REPORT)
@cached_page
def board_report():
    form, report = _report()
    # Render first, then record and commit: a commit expires every loaded row, and rendering
    # after it reloaded each case and update one query at a time. If recording fails, the
    # page is never sent, so nobody reads the report without its audit event.
    page = render_page(
        "reports/board-report.html",
        "reports/_board-report.html",
        form=form,
        report=report,
        download_args=download_args(report),
    )
    record(
        "reports.board_report_viewed",
        object_type="board_report",
        detail={"report_date": report.report_date.isoformat(), "cases": len(report.entries)},
    )
    db.session.commit()
    return page


@bp.route("/reports/board.docx")
@requires(Action.PRODUCE_BOARD_REPORT)
def board_report_docx():
    _form, report = _report()
    return _download(files.build_file("docx", report, lambda report, _html: word.render(report)), WORD, report, "docx")


@bp.route("/reports/board.pdf")
@requires(Action.PRODUCE_BOARD_REPORT)
def board_report_pdf():
    _form, report = _report()
    return _download(files.build_file("pdf", report, pdf.render), "application/pdf", report, "pdf")
