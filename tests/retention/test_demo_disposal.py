"""Tried as a new user would: the demo's case closed seven years ago is listed, disposed of, and
leaves only its disposal record."""

from __future__ import annotations

from sqlalchemy import select

from portal.cases.models import Case
from portal.extensions import db
from portal.retention.models import DisposalRecord
from tests.conftest import page_text
from tests.demo_accounts import demo_client

from .test_disposal import audit_verify, rows_of, snapshot


def test_the_demo_case_closed_in_2019_is_listed_and_disposed_of(app, clock, store):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    case = db.session.execute(select(Case).where(Case.letter == "B", Case.year == 2016)).scalar_one()
    case_id, reference = case.id, case.reference
    assert case.stage == "closed"
    report = runner.invoke(args=["retention", "report"])
    assert report.exit_code == 0 and reference in report.output and "2019-03-14" in report.output

    client = demo_client(app, clock, "business_office")
    listing = page_text(client.get("/retention"))
    assert reference in listing.split("Due in the next 12 months")[0]
    belongs = rows_of(case_id)
    assert belongs["restricted_identities"] == 2 and belongs["stage_history"] >= 9
    before = snapshot()
    form = client.get(f"/cases/{case_id}/retention/dispose")
    assert form.status_code == 200 and "Type the case reference to confirm" in page_text(form)
    done = client.post(f"/cases/{case_id}/retention/dispose", data={"confirmation": reference})
    assert done.status_code == 302
    assert f"{reference} has been disposed of" in page_text(client.get(done.headers["Location"]))

    assert rows_of(case_id) == {}
    after = snapshot()
    assert sum(len(before[t]) - len(after[t]) for t in before) == sum(belongs.values())
    record = db.session.execute(select(DisposalRecord)).scalar_one()
    assert record.case_reference == reference and record.former_case_id == case_id
    assert audit_verify(app).exit_code == 0
