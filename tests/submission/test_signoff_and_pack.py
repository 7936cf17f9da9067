"""Sign-off pins the versions and the plan; the Home Office pack read back."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date

import openpyxl
from sqlalchemy import select

from portal.actions.models import PlanAction
from portal.actions.template_io import HOME_OFFICE_COLUMNS
from portal.audit.models import AuditEvent
from portal.cases.models import Case, StageHistory
from portal.extensions import db
from portal.submission.models import SignOff
from tests.documents import samples

from .helpers import VICTIM, case_url, latest_round, ok, send, sign_off, upload, zip_texts


def _signed_off(world):
    return db.session.scalars(select(SignOff).where(SignOff.case_id == world.ids["case_id"])).all()


def test_sign_off_pins_the_versions_and_a_later_upload_changes_nothing(world, client_for):
    author, office = client_for("author"), client_for("bo")
    report = samples.docx("Overview Report as the CRG signed it off")
    summary = samples.docx("Executive Summary as signed off")
    report_id = upload(author, world, report, "overview-4.docx")
    summary_id = upload(author, world, summary, "summary-1.docx", kind="executive_summary")
    page = ok(office.get(case_url(world, "/sign-off")), 200).get_data(as_text=True)
    assert "Overview Report, draft 4" in page and "Executive Summary, draft 1" in page
    ok(sign_off(office, world, date(2026, 2, 20), report_id, summary_id))

    case = db.session.get(Case, world.ids["case_id"])
    assert case.stage == "signed_off" and case.signed_off_on == date(2026, 2, 20)
    moves = [h.move for h in db.session.scalars(select(StageHistory).where(StageHistory.case_id == case.id))]
    assert "sign_off" in moves  # the lifecycle's own move: the case history and the timeline show it
    (signoff,) = _signed_off(world)
    assert (signoff.overview_version_id, signoff.summary_version_id) == (report_id, summary_id)
    assert signoff.plan_document_id is not None and signoff.plan_rows == 2  # case A's two recommendations
    # A later upload and a later plan edit change nothing that was signed off.
    upload(author, world, samples.docx("A newer draft nobody signed off"), "overview-5.docx")
    action = db.session.get(PlanAction, world.ids["action_id"])
    action.text = "Edited after sign-off"
    db.session.commit()
    response = ok(office.get(case_url(world, "/pack.zip")), 200)
    texts = zip_texts(response.data)
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        files = {name: archive.read(name) for name in names}
    assert files["Overview Report draft 4.docx"] == report
    assert files["Executive Summary draft 1.docx"] == summary
    assert "Edited after sign-off" not in texts["Action plan.xlsx"]
    assert "Deliver DASH training to front-line officers" in texts["Action plan.xlsx"]


def test_the_pack_holds_exactly_the_signed_off_files_the_plan_and_a_covering_sheet(world, client_for):
    author, office = client_for("author"), client_for("bo")
    report, summary = samples.docx("Signed-off report text"), samples.pdf()
    report_id = upload(author, world, report, "overview.docx")
    summary_id = upload(author, world, summary, "summary.pdf", kind="executive_summary")
    ok(sign_off(office, world, date(2026, 2, 20), report_id, summary_id))
    response = ok(office.get(case_url(world, "/pack.zip")), 200)
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == 'attachment; filename="home-office-pack-dhr-case-a-2024.zip"'
    sha256 = hashlib.sha256(response.data).hexdigest()
    assert response.headers["X-Pack-SHA256"] == sha256
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = sorted(archive.namelist())
        files = {name: archive.read(name) for name in names}
    sheet = next(name for name in names if name.startswith("Covering sheet"))
    assert names == sorted(
        ["README.txt", sheet, "Action plan.xlsx", "Overview Report draft 4.docx", "Executive Summary draft 1.pdf"]
    )
    # Byte for byte what was uploaded, decrypted from the document store.
    assert files["Overview Report draft 4.docx"] == report
    assert files["Executive Summary draft 1.pdf"] == summary
    # The plan in the Home Office template's columns.
    sheet_rows = list(openpyxl.load_workbook(io.BytesIO(files["Action plan.xlsx"])).active.iter_rows(values_only=True))
    assert tuple(sheet_rows[2][: len(HOME_OFFICE_COLUMNS)]) == HOME_OFFICE_COLUMNS
    texts = zip_texts(response.data)
    assert "OFFICIAL-SENSITIVE" in texts[sheet] and "OFFICIAL-SENSITIVE" in texts["README.txt"]
    assert "DHR Case A 2024" in texts[sheet] and "CSP One" in texts[sheet]
    # Never a restricted identity, in any file.
    for name, text in texts.items():
        for part in (VICTIM, "Zelda", "Quorn"):
            assert part.lower() not in text.lower(), (name, part)
    # Recording it sent keeps the same hash (the pack is built the same way every time).
    ok(send(office, world, date(2026, 2, 24), date(2026, 2, 25)))
    qa_round = latest_round(world)
    assert qa_round.pack_sha256 == sha256 and qa_round.commissioner_sent_on == date(2026, 2, 25)
    assert db.session.get(Case, world.ids["case_id"]).stage == "with_home_office"
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == world.ids["case_id"])).all()
    assert "submission.pack_downloaded" in events and "submission.sent" in events


def test_amendments_after_sign_off_return_the_report_until_a_new_version_is_signed_off(world, client_for):
    author, office = client_for("author"), client_for("bo")
    first = upload(author, world, samples.docx("First signed-off text"), "overview.docx")
    ok(sign_off(office, world, date(2026, 2, 10), first))
    ok(
        office.post(
            case_url(world, "/amendments"),
            data={
                "requested_on": ["12", "2", "2026"],
                "what": "Section 5 to reflect the inquest",
                "due_on": ["1", "3", "2026"],
                "submission": "t" * 24,
            },
        )
    )
    assert office.get(case_url(world, "/pack.zip")).status_code == 404  # nothing stands to send
    assert send(office, world, date(2026, 2, 13)).status_code == 422
    second_bytes = samples.docx("Amended text")
    second = upload(author, world, second_bytes, "overview-amended.docx")
    ok(sign_off(office, world, date(2026, 2, 20), second))
    signoffs = sorted(_signed_off(world), key=lambda s: s.id)
    assert [s.overview_version_id for s in signoffs] == [first, second]
    assert signoffs[0].superseded_at is not None and signoffs[1].stands
    history = db.session.scalars(
        select(StageHistory).where(StageHistory.case_id == world.ids["case_id"]).order_by(StageHistory.id)
    ).all()
    notes = [h.note for h in history if h.move == "amendments"]
    assert notes[0] == "Section 5 to reflect the inquest (by 1 March 2026)"
    assert "Signed off again" in notes[1]
    with zipfile.ZipFile(io.BytesIO(ok(office.get(case_url(world, "/pack.zip")), 200).data)) as archive:
        assert archive.read("Overview Report draft 5.docx") == second_bytes
    page = ok(office.get(case_url(world)), 200).get_data(as_text=True)
    assert "Section 5 to reflect the inquest" in page


def test_a_version_of_another_case_or_kind_cannot_be_signed_off(world, client_for):
    office = client_for("bo")
    from portal.drafts.models import DraftVersion

    b_version = db.session.scalar(select(DraftVersion.id).where(DraftVersion.case_id == world.ids["case_b_id"]))
    response = sign_off(office, world, date(2026, 2, 20), b_version)
    assert response.status_code == 422
    assert _signed_off(world) == []


def test_amendments_asked_for_while_the_report_is_in_review_are_in_the_case_history(world, client_for):
    office = client_for("bo")
    case = db.session.get(Case, world.ids["case_id"])
    assert case.stage == "in_review"
    ok(
        office.post(
            case_url(world, "/amendments"),
            data={
                "requested_on": ["12", "2", "2026"],
                "what": "Chronology <script>alert(1)</script> to cover 2019",
                "due_on": ["1", "3", "2026"],
                "submission": "t" * 24,
            },
        )
    )
    case = db.session.get(Case, world.ids["case_id"])
    assert case.stage == "in_review"  # back with the author: the stage stays
    history_rows = db.session.scalars(select(StageHistory).where(StageHistory.case_id == case.id))
    (entry,) = [h for h in history_rows if h.move == "amendments"]
    assert (entry.kind, entry.from_stage, entry.to_stage, entry.occurred_on) == (
        "event",
        "in_review",
        "in_review",
        date(2026, 2, 12),
    )
    assert entry.note == "Chronology <script>alert(1)</script> to cover 2019 (by 1 March 2026)"
    history = ok(office.get(f"/cases/{case.id}/history"), 200).get_data(as_text=True)
    assert "Further amendments to the report" in history
    assert "<script>alert(1)</script>" not in history and "&lt;script&gt;alert(1)&lt;/script&gt;" in history


def test_a_sign_off_dated_before_its_files_were_uploaded_or_in_the_future_is_refused(world, client_for, clock):
    from datetime import UTC, datetime, timedelta

    author, office = client_for("author"), client_for("bo")
    # 23:30 UTC on 9 June is 00:30 on 10 June in London (summer time): the London day counts.
    late = datetime(2025, 6, 9, 23, 30, tzinfo=UTC)
    report_id = upload(author, world, samples.docx("Report"), "o.docx", uploaded_at=late)
    summary_id = upload(
        author,
        world,
        samples.docx("Summary"),
        "s.docx",
        kind="executive_summary",
        uploaded_at=datetime(2025, 5, 1, 9, 0, tzinfo=UTC),
    )
    response = sign_off(office, world, date(2025, 6, 9), report_id, summary_id)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "There is a problem" in text
    assert "must be on or after 10 June 2025, when Overview Report, draft 4 was uploaded" in text
    assert 'href="#signed_off_on' in text
    assert 'value="9"' in text and 'value="2025"' in text  # what was typed is kept
    assert _signed_off(world) == []
    tomorrow = clock.now.date() + timedelta(days=1)
    assert sign_off(office, world, tomorrow, report_id, summary_id).status_code == 422
    assert _signed_off(world) == []
    ok(sign_off(office, world, date(2025, 6, 10), report_id, summary_id))
    assert len(_signed_off(world)) == 1


def test_before_a_sign_off_is_recorded_the_submission_page_says_what_the_case_record_holds(world, client_for):
    office = client_for("bo")
    case = db.session.get(Case, world.ids["case_id"])
    case.signed_off_on = date(2025, 4, 10)
    db.session.commit()
    text = " ".join(ok(office.get(case_url(world)), 200).get_data(as_text=True).split())
    assert "The case record says the CRG signed off on 10 April 2025; record which versions were signed off" in text
    assert "Not yet" not in text.split("Days waiting")[0]
    case_page = " ".join(ok(office.get(f"/cases/{case.id}"), 200).get_data(as_text=True).split())
    assert "The case record says the CRG signed off on 10 April 2025" in case_page
