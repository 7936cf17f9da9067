"""Uploading versions, circulating one with a deadline, the readers' e-mails and home queue,
and the reminders that chase readers who have not answered (each sent once)."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select

from portal.drafts.models import Circulation, DraftVersion, Receipt
from portal.extensions import db
from portal.notify import run_reminders
from portal.notify.models import OutboxMessage, Reminder
from tests.conftest import page_text
from tests.documents import samples
from tests.support import error_summary, once

from .helpers import DEADLINE, circulate, parts, upload


def test_each_upload_is_the_next_numbered_draft_and_keeps_the_earlier_ones(app, world, client_for):
    author = client_for("author")
    fourth = upload(author, world, samples.docx("Fourth"), "overview.docx", note="Section 5 rewritten")
    summary = upload(author, world, samples.pdf(), "summary.pdf", kind="executive_summary")
    assert db.session.get(DraftVersion, fourth).number == 4
    assert db.session.get(DraftVersion, summary).number == 1
    numbers = db.session.scalars(
        select(DraftVersion.number).where(DraftVersion.case_id == world.ids["case_id"]).order_by(DraftVersion.id)
    ).all()
    assert numbers == [1, 2, 3, 4, 1]
    page = page_text(author.get(f"/cases/{world.ids['case_id']}/drafts/versions/{fourth}"))
    assert "Overview Report, draft 4" in page and "Section 5 rewritten" in page and "Not circulated" in page


def test_only_word_and_pdf_files_are_taken_by_their_content(app, world, client_for):
    author = client_for("author")
    before = db.session.query(DraftVersion).count()
    for content, name in ((samples.xlsx(), "draft.xlsx"), (samples.xlsx(), "draft.docx"), (samples.txt(), "x.pdf")):
        response = author.post(
            f"/cases/{world.ids['case_id']}/drafts/upload",
            data={"kind": "overview_report", "file": (io.BytesIO(content), name), **once()},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422, name
        assert error_summary(response), name
    response = author.post(
        f"/cases/{world.ids['case_id']}/drafts/upload",
        data={"kind": "other", **once()},
        content_type="multipart/form-data",
    )
    assert "Select the draft to upload" in error_summary(response)
    assert db.session.query(DraftVersion).count() == before


def test_circulating_asks_each_reader_by_email_without_case_data(app, world, client_for, outbox):
    author = client_for("author")
    version_id = upload(author, world, samples.docx("Draft four"), "overview.docx")
    circulate(author, world, version_id)
    circulation = db.session.scalar(select(Circulation).where(Circulation.version_id == version_id))
    readers = {(r.reader.name, r.role) for r in circulation.receipts}
    assert readers == {("Pat Panel", "panel_member"), ("Olly Observer", "observer"), ("Lee Lead", "csp_lead")}
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "draft_circulated")).all()
    assert sorted(m.recipient_id for m in messages) == sorted(r.reader_id for r in circulation.receipts)
    assert {m.link_path for m in messages} == {f"/cases/{world.ids['case_id']}/drafts/versions/{version_id}"}
    bodies = outbox.bodies()
    assert len(bodies) == 3
    for body in bodies:
        assert "A draft report has been shared with you" in body
        assert "Case A" not in body and "Adult A" not in body and "Overview" not in body


def test_a_circulation_needs_a_future_deadline_and_happens_once(app, world, client_for):
    author = client_for("author")
    url = f"/cases/{world.ids['case_id']}/drafts/versions/{world.ids['uncirculated_id']}/circulate"
    response = author.post(url, data={"deadline": parts(date(2026, 3, 2)), **once()})
    assert response.status_code == 422 and "must be in the future" in error_summary(response)
    response = author.post(
        f"/cases/{world.ids['case_id']}/drafts/versions/{world.ids['version_id']}/circulate",
        data={"deadline": parts(DEADLINE), **once()},
    )
    assert response.status_code == 422 and "already been circulated" in error_summary(response)


def test_readers_find_the_draft_on_their_home_page_with_its_deadline(app, world, client_for):
    author = client_for("author")
    version_id = upload(author, world, samples.docx("Draft four"), "overview.docx")
    circulate(author, world, version_id)
    for principal in ("panel", "lead"):
        text = page_text(client_for(principal).get("/home"))
        assert "Drafts awaiting your comments" in text
        assert "Comment on Overview Report, draft 4" in text and "20 March 2026" in text, principal
    assert "Comment on Overview Report" not in page_text(client_for("observer").get("/home"))
    # Once they say they have no further comments, the item goes.
    client_for("panel").post(f"/cases/{world.ids['case_id']}/drafts/versions/{version_id}/no-further-comments")
    assert "Comment on Overview Report, draft 4" not in page_text(client_for("panel").get("/home"))


def _reminders(thing: str):
    return db.session.execute(
        select(Reminder.kind, Reminder.recipient_id).where(Reminder.thing_key == thing).order_by(Reminder.id)
    ).all()


def test_readers_who_have_not_answered_are_reminded_once(app, world, client_for, outbox):
    author = client_for("author")
    version_id = upload(author, world, samples.docx("Draft four"), "overview.docx")
    circulate(author, world, version_id, deadline=date(2026, 3, 6))
    circulation = db.session.scalar(select(Circulation).where(Circulation.version_id == version_id))
    thing = f"draft_circulation:{circulation.id}"
    panel, lead = world.users["panel"], world.users["lead"]
    # The panel member has answered; the CSP lead has not; the observer is not asked to comment.
    client_for("panel").post(
        f"/cases/{world.ids['case_id']}/drafts/versions/{version_id}/comments/new",
        data={"location": "Page 3", "text": "Clarify the timeline", **once()},
    )
    first = run_reminders(today=date(2026, 3, 2))
    again = run_reminders(today=date(2026, 3, 2))
    assert _reminders(thing) == [("draft_circulation.upcoming", lead.id)]
    assert again.by_source.get("draft_circulation") is None
    run_reminders(today=date(2026, 3, 6))
    run_reminders(today=date(2026, 3, 6))
    run_reminders(today=date(2026, 3, 7))
    run_reminders(today=date(2026, 3, 7))
    assert _reminders(thing) == [
        ("draft_circulation.upcoming", lead.id),
        ("draft_circulation.due", lead.id),
        ("draft_circulation.escalation", world.users["author"].id),  # told the day after who did not answer
    ]
    assert panel.id not in {recipient for _, recipient in _reminders(thing)}
    tracker = page_text(author.get(f"/cases/{world.ids['case_id']}/drafts/versions/{version_id}/tracker"))
    assert "Last reminder sent 2 March 2026" in tracker
    assert first.queued >= 1
    # After that, nobody is chased about a closed circulation.
    run_reminders(today=date(2026, 3, 20))
    assert len(_reminders(thing)) == 3


def test_an_extension_reopens_comments_and_restarts_the_reminders(app, world, client_for, clock):
    author = client_for("author")
    url = f"/cases/{world.ids['case_id']}/drafts/versions/{world.ids['other_id']}"
    circulation = db.session.scalar(select(Circulation).where(Circulation.version_id == world.ids["other_id"]))
    assert circulation.deadline < date(2026, 3, 2)  # draft 1's comments closed
    response = client_for("panel").post(f"{url}/comments/new", data={"location": "p1", "text": "Late", **once()})
    assert response.status_code == 422 and "closed on 10 February 2026" in error_summary(response)
    response = author.post(f"{url}/deadline", data={"version": circulation.row_version, "deadline": parts(DEADLINE)})
    assert response.status_code == 302
    response = client_for("panel").post(f"{url}/comments/new", data={"location": "p1", "text": "Late", **once()})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Circulation, circulation.id).deadline == DEADLINE
    lead_receipt = db.session.scalar(
        select(Receipt).where(Receipt.circulation_id == circulation.id, Receipt.reader_id == world.users["lead"].id)
    )
    assert lead_receipt is not None
    run_reminders(today=DEADLINE - timedelta(days=1))
    assert _reminders(f"draft_circulation:{circulation.id}") == [("draft_circulation.upcoming", world.users["lead"].id)]


def test_a_stale_extension_is_refused(app, world, client_for):
    url = f"/cases/{world.ids['case_id']}/drafts/versions/{world.ids['version_id']}/deadline"
    circulation = db.session.scalar(select(Circulation).where(Circulation.version_id == world.ids["version_id"]))
    seen = circulation.row_version
    assert client_for("author").post(url, data={"version": seen, "deadline": parts(DEADLINE)}).status_code == 302
    response = client_for("bo").post(url, data={"version": seen, "deadline": parts(DEADLINE + timedelta(days=7))})
    assert response.status_code == 422 and "changed by someone else" in error_summary(response)
    db.session.expire_all()
    assert db.session.get(Circulation, circulation.id).deadline == DEADLINE
    # An earlier date than the current deadline is no extension.
    current = db.session.get(Circulation, circulation.id).row_version
    response = client_for("bo").post(url, data={"version": current, "deadline": parts(date(2026, 3, 15))})
    assert response.status_code == 422 and "must be after the current one, 20 March 2026" in error_summary(response)


def test_a_note_and_a_document_name_are_shown_as_text(app, world, client_for):
    xss = "<script>alert(1)</script>"
    author = client_for("author")
    response = author.post(
        f"/cases/{world.ids['case_id']}/drafts/upload",
        data={"kind": "other", "title": xss, "note": xss, "file": (io.BytesIO(samples.pdf()), "x.pdf"), **once()},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    for url in (
        response.headers["Location"],
        f"/cases/{world.ids['case_id']}/drafts",
        f"/cases/{world.ids['case_id']}",
    ):
        html = author.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html, url


def test_someone_who_joins_the_panel_after_the_circulation_is_chased_too(app, world, make_user):
    from portal.cases.models import Membership

    newcomer = make_user("Nia Newcomer")
    db.session.add(Membership(case_id=world.ids["case_id"], user_id=newcomer.id, role="panel_member"))
    db.session.commit()
    circulation = db.session.scalar(select(Circulation).where(Circulation.version_id == world.ids["version_id"]))
    run_reminders(today=circulation.deadline)
    chased = {recipient for _, recipient in _reminders(f"draft_circulation:{circulation.id}")}
    # The panel member commented in the world; the CSP lead has not; the newcomer has not either.
    assert chased == {newcomer.id, world.users["lead"].id}
