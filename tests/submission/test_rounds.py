"""Quality assurance rounds: feedback letters, required changes, resubmissions and the days waited."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.cases.models import Case, StageHistory
from portal.documents import open_document
from portal.extensions import db
from portal.submission import services
from portal.submission.models import QaRound
from tests.conftest import page_text
from tests.documents import samples
from tests.support import once as _once

from .helpers import case_url, latest_round, ok, outcome, send, sign_off, tick_all, upload


def _case(world) -> Case:
    return db.session.get(Case, world.ids["case_id"])


def test_three_submissions_two_resubmissions_with_their_own_dates_and_clocks(world, client_for):
    author, office = client_for("author"), client_for("bo")
    letter = samples.docx("Feedback letter of the Quality Assurance Panel")

    # Submission 1: graded not yet adequate, with two required changes.
    ok(sign_off(office, world, date(2025, 6, 1), upload(author, world, samples.docx("v1"), "o.docx")))
    ok(send(office, world, date(2025, 6, 5)))
    first = latest_round(world)
    ok(
        outcome(
            office, world, first, "inadequate", date(2025, 7, 10), ["Add the GP's view", "Shorten section 3"], letter
        )
    )
    assert _case(world).stage == "in_review"  # back to the author (the lifecycle's graded_inadequate)
    assert services.current_signoff(_case(world)) is None  # what is resubmitted is signed off again
    assert "Record the CRG sign-off" in page_text(ok(office.get(case_url(world)), 200))
    first = db.session.get(QaRound, first.id)
    assert [c.text for c in first.changes] == ["Add the GP's view", "Shorten section 3"]
    with open_document(first.letter) as blocks:
        assert b"".join(blocks) == letter
    assert ok(author.get(case_url(world, f"/rounds/{first.id}/letter")), 200).data == letter

    # Resubmitting is refused until the author has ticked every required change.
    ok(sign_off(office, world, date(2025, 8, 1), upload(author, world, samples.docx("v2"), "o.docx")))
    refused = send(office, world, date(2025, 8, 4))
    assert refused.status_code == 422 and "Tick every change" in page_text(refused)
    tick_all(author, world, first)
    ok(send(office, world, date(2025, 8, 4)))
    second = latest_round(world)
    assert second.number == 2 and second.sent_on == date(2025, 8, 4)
    ok(outcome(office, world, second, "inadequate", date(2025, 9, 3), ["Explain the delay"], letter))
    tick_all(author, world, second)

    # Submission 3: adequate once one listed change is made.
    ok(sign_off(office, world, date(2025, 10, 1), upload(author, world, samples.docx("v3"), "o.docx")))
    ok(send(office, world, date(2025, 10, 2), date(2025, 10, 3)))
    third = latest_round(world)
    page = page_text(ok(office.get(case_url(world)), 200))
    assert "Submission 3: 151 days" in page  # still waiting: to today (2 March 2026)
    ok(outcome(office, world, third, "adequate_with_changes", date(2025, 11, 1), ["Redact the street"], letter))
    assert _case(world).stage == "approved" and _case(world).home_office_outcome == "adequate"

    rounds = services.rounds(_case(world))
    waited = services.waiting(rounds, date(2026, 3, 2))
    assert [days for _, days in waited.rounds] == [35, 30, 30]
    assert waited.total == 95 and not waited.waiting_now
    page = page_text(ok(office.get(case_url(world)), 200))
    assert "95 in total" in page and "Submission 1: 35 days" in page and "Submission 2: 30 days" in page
    # The case page shows it too (its section), with the task line.
    case_page = page_text(ok(office.get(f"/cases/{world.ids['case_id']}"), 200))
    assert "Days waiting on the Home Office" in case_page and "95 in total" in case_page
    moves = [
        h.move
        for h in db.session.scalars(
            select(StageHistory).where(StageHistory.case_id == world.ids["case_id"]).order_by(StageHistory.id)
        )
    ]
    assert moves.count("send_to_home_office") == 3 and moves.count("graded_inadequate") == 2
    assert moves[-1] == "graded_adequate"


def test_an_outcome_needs_its_letter_and_changes_and_cannot_be_recorded_twice(world, client_for):
    author, office = client_for("author"), client_for("bo")
    ok(sign_off(office, world, date(2026, 1, 5), upload(author, world, samples.docx("v1"), "o.docx")))
    ok(send(office, world, date(2026, 1, 6)))
    qa_round = latest_round(world)
    letter = samples.docx("letter")
    assert outcome(office, world, qa_round, "inadequate", date(2026, 2, 1), [], letter).status_code == 422
    assert outcome(office, world, qa_round, "adequate", date(2026, 1, 1), [], letter).status_code == 422  # before sent
    not_a_letter = office.post(
        case_url(world, f"/rounds/{qa_round.id}/outcome"),
        data={"version": str(qa_round.row_version), "outcome": "adequate", "outcome_on": ["1", "2", "2026"]},
        content_type="multipart/form-data",
    )
    assert not_a_letter.status_code == 422 and "Select the feedback letter" in page_text(not_a_letter)
    ok(outcome(office, world, qa_round, "adequate", date(2026, 2, 1), [], letter))
    again = outcome(office, world, latest_round(world), "adequate", date(2026, 2, 2), [], letter)
    assert again.status_code == 422 and "already recorded" in page_text(again)


def test_only_the_author_and_business_office_tick_and_a_stale_tick_is_refused(world, client_for):
    author, office = client_for("author"), client_for("bo")
    ok(sign_off(office, world, date(2026, 1, 5), upload(author, world, samples.docx("v1"), "o.docx")))
    ok(send(office, world, date(2026, 1, 6)))
    ok(outcome(office, world, latest_round(world), "inadequate", date(2026, 2, 1), ["One"], samples.docx("l")))
    (change,) = latest_round(world).changes
    url = case_url(world, f"/changes/{change.id}")
    assert client_for("lead").post(url, data={"version": "1", "done": "1"}).status_code == 403
    ok(author.post(url, data={"version": "1", "done": "1"}))
    stale = author.post(url, data={"version": "1", "done": "0"})
    assert stale.status_code == 422 and "changed by someone else" in page_text(stale).lower()
    db.session.expire_all()
    assert latest_round(world).changes[0].done_at is not None


def test_the_author_finds_the_changes_asked_for_on_their_home_page(world, client_for):
    author, office = client_for("author"), client_for("bo")
    ok(
        office.post(
            case_url(world, "/amendments"),
            data={"requested_on": ["12", "2", "2026"], "what": "Section 5", "due_on": ["1", "4", "2026"], **_once()},
        )
    )
    home = page_text(ok(author.get("/home"), 200))
    assert "Changes asked of your report" in home and "Make the further amendments the CRG asked for" in home
    assert "Make the further amendments" not in page_text(ok(client_for("lead").get("/home"), 200))
    ok(sign_off(office, world, date(2026, 2, 13), upload(author, world, samples.docx("v1"), "o.docx")))
    ok(send(office, world, date(2026, 2, 14)))
    ok(outcome(office, world, latest_round(world), "inadequate", date(2026, 2, 20), ["A", "B"], samples.docx("l")))
    home = page_text(ok(author.get("/home"), 200))
    assert "Make 2 changes the Home Office asked for" in home
    assert "Make the further amendments" not in home  # signed off since
    tick_all(author, world, latest_round(world))
    assert "Changes asked of your report" not in page_text(ok(author.get("/home"), 200))


def test_the_case_history_shows_stage_labels_outcomes_and_govuk_dates_and_keeps_text_inert(world, client_for):
    author, office = client_for("author"), client_for("bo")
    ok(sign_off(office, world, date(2026, 1, 5), upload(author, world, samples.docx("v1"), "o.docx")))
    ok(send(office, world, date(2026, 1, 6)))
    xss = "Redact <script>alert(1)</script> the street"
    ok(outcome(office, world, latest_round(world), "adequate_with_changes", date(2026, 2, 1), [xss], samples.docx("l")))
    response = ok(office.get(f"/cases/{world.ids['case_id']}/history"), 200)
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The record's changes: stage labels, the outcome's word and GOV.UK dates, not codes.
    assert "Report signed off by CRG With Home Office awaiting outcome" in text
    assert "With Home Office awaiting outcome Approved for publication" in text
    assert "Home Office outcome (empty) Adequate" in text
    assert "Date of Home Office outcome (empty) 1 February 2026" in text
    for raw in ("with_home_office", "signed_off", "2026-02-01", "2026-01-06"):
        assert raw not in text
    # What the Home Office said, as the outcome's label, with the change listed.
    assert "Adequate: may be published once the listed changes are made: - Redact" in text


def test_the_submission_shows_the_checksum_wrapping_and_each_change_with_its_button_in_a_summary_list(
    world, client_for
):
    author, office = client_for("author"), client_for("bo")
    ok(sign_off(office, world, date(2026, 1, 5), upload(author, world, samples.docx("v1"), "o.docx")))
    ok(send(office, world, date(2026, 1, 6)))
    qa_round = latest_round(world)
    ok(outcome(office, world, qa_round, "inadequate", date(2026, 2, 1), ["One", "Two"], samples.docx("l")))
    html = ok(author.get(case_url(world)), 200).get_data(as_text=True)
    assert "Pack SHA-256" not in html
    value = f'<dd class="govuk-summary-list__value"><code class="app-checksum">{qa_round.pack_sha256}</code>'
    assert f"Checksum (SHA-256)</dt>{value}" in html
    changes = html.split("Changes required in submission 1", 1)[1].split("</dl>", 1)[0]
    assert changes.count('<div class="govuk-summary-list__row">') == 2
    assert changes.count('<dd class="govuk-summary-list__actions">') == 2
    assert "Change 1" in changes and "One" in changes and "Mark as done" in changes
