"""Issue 8 B: each role gets the view of a case its policy row describes (portal/cases/case_view.py).

The field-level guarantee (no role sees more) is tests/authz/test_matrix.py's walk; these tests
say what each role's page holds, and that it is not built from data it does not show.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from portal.cases.models import Membership
from portal.extensions import db
from portal.web.sqlcount import statements_counted as counting
from tests.conftest import page_text

SUMMARY = ("DHR Case A 2024", "Adult A", "CSP One", "Panel meeting / report being written")
RECORD = ("Key facts", "Date of death", "CSP notified", "Timeline", "Clocks", "Stages")


def _case_page(client_for, world, principal, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client_for(principal).get(f"/cases/{world.ids['case_id']}", headers=headers)
    assert response.status_code == 200
    return page_text(response)


def test_an_agency_contact_sees_a_summary_and_where_their_requests_will_be(app, world, client_for):
    for htmx in (False, True):
        text = _case_page(client_for, world, "contact", htmx)
        assert all(fact in text for fact in SUMMARY), text
        assert "Summary" in text
        assert "Information requests to Test Police" in text and "Actions for you" in text
        for part in (*RECORD, "CRG updates", "Record a change", "People and agencies with access"):
            assert part not in text, (part, htmx)


def test_panel_members_and_observers_see_the_summary(app, world, client_for):
    for principal in ("panel", "observer"):
        text = _case_page(client_for, world, principal)
        assert all(fact in text for fact in SUMMARY)
        for part in (*RECORD, "CRG updates", "Information requests", "Actions for you"):
            assert part not in text, (principal, part)


def test_the_author_sees_the_record_but_not_the_crg_updates(app, world, client_for):
    text = _case_page(client_for, world, "author")
    assert all(part in text for part in (*SUMMARY, *RECORD, "Real names (restricted)"))
    assert "CRG updates" not in text and "Record a change" not in text
    assert "Information requests" not in text


def test_the_csp_lead_sees_the_record_and_the_crg_updates(app, world, client_for):
    text = _case_page(client_for, world, "lead")
    assert all(part in text for part in (*SUMMARY, *RECORD, "CRG updates"))
    assert "Add an update for a CRG meeting" not in text and "Record a change" not in text
    assert "Real names" not in text


def test_the_business_office_sees_everything_and_can_change_it(app, world, client_for):
    text = _case_page(client_for, world, "bo")
    for part in (*SUMMARY, *RECORD, "CRG updates", "Add an update for a CRG meeting", "Record a change"):
        assert part in text, part


def test_a_hold_shows_to_everyone_its_reason_only_with_the_record(app, declined_on_hold, client_for):
    contact = _case_page(client_for, declined_on_hold, "contact")
    assert "Not progressed On hold" in contact  # the stage and its tag
    assert "Asked for by" not in contact and "Reasons for no review" not in contact
    lead = _case_page(client_for, declined_on_hold, "lead")
    assert "Asked for by: Area coroner" in lead and "Reasons for no review" in lead


def test_a_summary_is_built_without_reading_the_history_or_the_updates(app, world, client_for):
    def statements(principal):
        client = client_for(principal)
        client.get(f"/cases/{world.ids['case_id']}")
        with counting() as seen:
            client.get(f"/cases/{world.ids['case_id']}")
        return seen

    contact = statements("contact")
    assert not [s for s in contact if "FROM stage_history" in s or "FROM crg_updates" in s]
    assert len(contact) < len(statements("bo"))


# -- the register shows clocks only with the record ------------------------------------------------


def test_the_register_shows_an_agency_contact_no_clocks(app, world, client_for):
    client = client_for("contact")
    text = page_text(client.get("/cases"))
    assert "DHR Case A 2024" in text
    assert "Days in stage" not in text and "Next clock due" not in text
    rows = list(csv.reader(io.StringIO(client.get("/cases/export.csv").get_data(as_text=True))))
    header, [row] = rows[0], rows[1:]
    assert row[header.index("Days in stage")] == "" and row[header.index("Next clock due")] == ""
    assert row[header.index("Reference")] == "DHR Case A 2024"


def test_the_register_shows_clocks_row_by_row(app, world, client_for):
    """Someone who authors case A and answers for their agency on case B sees A's clocks only."""
    nhs_contact = world.users["contact_other"]
    db.session.add(Membership(case_id=world.ids["case_id"], user_id=nhs_contact.id, role="author"))
    world.case_b.stage, world.case_b.csp_notified_on = "referral", date(2025, 1, 6)  # decision long overdue
    db.session.commit()
    assert "DHR Case B 2024" in page_text(client_for("bo").get("/cases?clock=overdue"))
    client = client_for("contact_other")
    text = page_text(client.get("/cases"))
    assert "Days in stage" in text and "Not shown to your role" in text
    rows = {row["Reference"]: row for row in csv.DictReader(io.StringIO(client.get("/cases/export.csv").text))}
    assert rows["DHR Case A 2024"]["Days in stage"] != "" and rows["DHR Case B 2024"]["Days in stage"] == ""
    # Filtering on overdue clocks cannot reveal the clocks of a case whose record is not shown.
    overdue = page_text(client.get("/cases?clock=overdue&sort=due"))
    assert "DHR Case B 2024" not in overdue


def test_the_register_shows_a_csp_lead_their_clocks(app, world, client_for):
    text = page_text(client_for("lead").get("/cases"))
    assert "Days in stage" in text and "Not shown to your role" not in text
