"""The days waited on the Home Office across reviews: the dashboard panel and the board report's
section (page, Word and PDF), per submission and in total, for the reviews the person may see."""

from __future__ import annotations

import io
from datetime import date

import docx

from portal.cases.models import Case
from portal.extensions import db
from portal.submission import waits as waits_service
from portal.submission.anonymisation import extract_text
from tests.conftest import page_text
from tests.documents import samples

from .helpers import latest_round, ok, outcome, send, sign_off, tick_all, upload

LETTER = samples.docx("Feedback letter")
# Case A: submission 1 waited 35 days, submission 2 30 days, submission 3 sent 2 October 2025 and
# still waiting on the tests' today, 2 March 2026: 151 days so far.
ROW = [
    "Waiting since 2 October 2025 (151 days)",
    "Submission 1: 35 days, submission 2: 30 days, submission 3: 151 days so far",
    "216",
]


def _three_submissions(world, author, office) -> None:
    ok(sign_off(office, world, date(2025, 6, 1), upload(author, world, samples.docx("v1"), "o.docx")))
    ok(send(office, world, date(2025, 6, 5)))
    ok(outcome(office, world, latest_round(world), "inadequate", date(2025, 7, 10), ["Add the GP's view"], LETTER))
    tick_all(author, world, latest_round(world))
    ok(sign_off(office, world, date(2025, 8, 1), upload(author, world, samples.docx("v2"), "o.docx")))
    ok(send(office, world, date(2025, 8, 4)))
    ok(outcome(office, world, latest_round(world), "inadequate", date(2025, 9, 3), ["Explain the delay"], LETTER))
    tick_all(author, world, latest_round(world))
    ok(sign_off(office, world, date(2025, 10, 1), upload(author, world, samples.docx("v3"), "o.docx")))
    ok(send(office, world, date(2025, 10, 2)))


def test_the_dashboard_shows_each_submissions_wait_and_the_total(world, client_for):
    author, office = client_for("author"), client_for("bo")
    _three_submissions(world, author, office)
    reference = db.session.get(Case, world.ids["case_id"]).reference
    text = page_text(ok(office.get("/dashboard"), 200))
    panel = text.split("Days waited on the Home Office", 1)[1].split("On hold", 1)[0]
    assert "1 review with the Home Office now, the longest waiting 151 days so far." in panel
    assert "2 submissions answered, after 32 days on average (65 days in all)." in panel
    assert (
        f"{reference} Waiting since 2 October 2025 Submission 1: 35 days, submission 2: 30 days, "
        "submission 3: 151 days so far 216"
    ) in panel

    # Graded: nothing waits now, the three submissions are counted as answered.
    ok(outcome(office, world, latest_round(world), "adequate", date(2025, 11, 1), [], LETTER))
    figures = waits_service.waits(world.users["bo"], date(2026, 3, 2))
    assert (figures.waiting_now, figures.longest_now, figures.completed, figures.completed_days) == (0, None, 3, 95)
    (review,) = figures.reviews
    assert review.rounds == [(1, 35, False), (2, 30, False), (3, 30, False)] and review.total_days == 95
    text = page_text(ok(office.get("/dashboard"), 200))
    assert "No review is with the Home Office now. 3 submissions answered, after 32 days on average" in text


def test_only_the_reviews_whose_submission_the_person_may_see(world, client_for):
    author, office = client_for("author"), client_for("bo")
    _three_submissions(world, author, office)
    today = date(2026, 3, 2)
    assert [r.case.id for r in waits_service.waits(world.users["lead"], today).reviews] == [world.ids["case_id"]]
    for who in ("panel", "observer", "owner", "lead_other"):
        figures = waits_service.waits(world.users[who], today)
        assert figures.reviews == [] and figures.waiting_now == 0 and figures.reviews_count == 0, who


def test_a_review_sent_before_the_rounds_were_kept_waits_from_its_own_dates(world):
    case = Case(
        letter="QQ",
        year=2020,
        review_type="dhr",
        csp_id=db.session.get(Case, world.ids["case_id"]).csp_id,
        stage="with_home_office",
        sent_to_home_office_on=date(2025, 12, 2),
        stage_entered_on=date(2025, 12, 2),
    )
    db.session.add(case)
    db.session.commit()
    figures = waits_service.waits(world.users["bo"], date(2026, 3, 2))
    (review,) = [r for r in figures.reviews if r.case.id == case.id]
    assert (review.waiting_since, review.waiting_days, review.rounds) == (date(2025, 12, 2), 90, [(1, 90, True)])


def test_the_board_report_has_the_section_in_page_word_and_pdf(world, client_for):
    author, office = client_for("author"), client_for("bo")
    _three_submissions(world, author, office)
    reference = db.session.get(Case, world.ids["case_id"]).reference
    query = "report_date=2&report_date=3&report_date=2026"
    page = page_text(ok(office.get(f"/reports/board?{query}"), 200))
    assert "Time with the Home Office Quality Assurance Panel" in page
    assert " ".join([reference, *ROW]) in page

    document = docx.Document(io.BytesIO(ok(office.get(f"/reports/board.docx?{query}"), 200).data))
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    assert ["Review", "Now", "Days waited per submission", "Days waited in total"] in rows
    assert [reference, *ROW] in rows

    pdf = ok(office.get(f"/reports/board.pdf?{query}"), 200).data
    text = " ".join(" ".join(passage.text.split()) for passage in extract_text("pdf", pdf))
    assert "Time with the Home Office Quality Assurance Panel" in text
    assert "Submission 1: 35 days" in text and "216" in text
