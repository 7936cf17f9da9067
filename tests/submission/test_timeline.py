"""The submission's moments on the case timeline and its dates in the case page's key facts."""

from __future__ import annotations

from datetime import date

from portal.cases.models import Case
from portal.cases.timeline import for_case
from portal.extensions import db
from portal.submission.timeline import key_facts
from tests.conftest import page_text
from tests.documents import samples
from tests.support import once

from .helpers import case_url, latest_round, ok, outcome, send, sign_off, tick_all, upload
from .test_publication import _publish, _ready


def _events(world) -> list[tuple[date, str]]:
    case = db.session.get(Case, world.ids["case_id"])
    return [(event.on, event.label) for event in for_case(case).events if event.kind.startswith("submission-")]


def test_each_step_from_sign_off_to_takedown_is_on_the_timeline_and_in_the_key_facts(world, client_for):
    author, office = client_for("author"), client_for("bo")
    letter = samples.docx("Feedback letter")
    ok(
        office.post(
            case_url(world, "/amendments"),
            data={"requested_on": ["2", "5", "2025"], "what": "More on the GP", "due_on": ["", "", ""], **once()},
        )
    )
    ok(sign_off(office, world, date(2025, 6, 1), upload(author, world, samples.docx("v1"), "o.docx")))
    ok(send(office, world, date(2025, 6, 5), date(2025, 6, 6)))
    ok(outcome(office, world, latest_round(world), "inadequate", date(2025, 7, 10), ["Add the GP's view"], letter))
    tick_all(author, world, latest_round(world))
    _ready(world, author, office)  # signed off again 5 January 2026, resubmitted 6 January, adequate 1 February
    ok(_publish(office, world, date(2026, 2, 27)))

    assert _events(world) == [
        (date(2025, 5, 2), "Further amendments requested by the CRG"),
        (date(2025, 6, 1), "CRG signed off the report"),
        (date(2025, 6, 5), "Report submitted to the Home Office (submission 1)"),
        (date(2025, 6, 6), "Copy of submission 1 sent to the Domestic Abuse Commissioner"),
        (
            date(2025, 7, 10),
            "Home Office quality assurance outcome of submission 1: "
            "Not yet adequate: changes required, then resubmitted",
        ),
        (date(2026, 1, 5), "CRG signed off the report"),
        (date(2026, 1, 6), "Report resubmitted to the Home Office (submission 2)"),
        (date(2026, 2, 1), "Home Office quality assurance outcome of submission 2: Adequate: may be published"),
        (date(2026, 2, 20), "Family told of the publication"),
        (date(2026, 2, 27), "Report published"),
        (date(2026, 3, 2), "Anonymisation check passed: ready for publication"),  # recorded today
        (date(2027, 2, 27), "Takedown date of the published report"),
    ]
    page = page_text(ok(office.get(f"/cases/{world.ids['case_id']}"), 200))
    assert "27 February 2026: Report published" in page
    assert "6 January 2026: Report resubmitted to the Home Office (submission 2)" in page
    # Key facts: each round's dates and days waited, the total, the family and the takedown date.
    facts = page.split("Key facts", 1)[1]
    assert (
        "Submission 1 to the Home Office Sent 5 June 2025; copy to the Commissioner 6 June 2025; outcome 10 July 2025: "
        "Not yet adequate: changes required, then resubmitted (35 days waited)"
    ) in facts
    assert "Submission 2 to the Home Office Sent 6 January 2026; outcome 1 February 2026" in facts
    assert "Days waited on the Home Office 61 in total over 2 submission(s)" in facts
    assert "Family told of publication 20 February 2026" in facts and "Takedown date 27 February 2027" in facts


def test_a_round_still_waiting_counts_to_today_and_others_see_no_facts(world, client_for):
    author, office = client_for("author"), client_for("bo")
    ok(sign_off(office, world, date(2026, 1, 5), upload(author, world, samples.docx("v1"), "o.docx")))
    ok(send(office, world, date(2026, 1, 6)))
    case = db.session.get(Case, world.ids["case_id"])
    assert key_facts(world.users["bo"], case) == [
        ("Submission 1 to the Home Office", "Sent 6 January 2026; waiting for the outcome (55 days so far)"),
        ("Days waited on the Home Office", "55 in total over 1 submission(s)"),
    ]
    assert key_facts(world.users["panel"], case) == []  # may not see the submission
    assert "Submission 1 to the Home Office" not in page_text(ok(client_for("panel").get(f"/cases/{case.id}"), 200))
