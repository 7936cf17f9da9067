"""Disposal dates, extensions, the due list, ``flask retention report`` and the setting."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.config import ConfigError, load_config
from portal.extensions import db
from portal.retention.schedule import add_years, schedule_for
from tests.conftest import page_text

from .conftest import date_parts


def section(text: str, heading: str, following: str) -> str:
    return text.split(heading, 1)[1].split(following, 1)[0]


def test_a_closed_case_is_due_six_years_after_it_closed_and_the_period_is_a_setting(app, closed_case, make_case):
    closed = closed_case(closed_on=date(2019, 3, 14))
    schedule = schedule_for(closed)
    assert (schedule.ended_on, schedule.disposal_on) == (date(2019, 3, 14), date(2025, 3, 14))
    assert schedule.due(date(2025, 3, 14)) and not schedule.due(date(2025, 3, 13))

    not_progressed = closed_case(stage="not_progressed", closed_on=date(2021, 5, 4))
    assert schedule_for(not_progressed).disposal_on == date(2027, 5, 4)

    still_open = make_case(stage="in_review")
    assert schedule_for(still_open).disposal_on is None
    assert "has not ended" in schedule_for(still_open).blocked_because()

    app.config["RETENTION_YEARS"] = 10
    assert schedule_for(closed).disposal_on == date(2029, 3, 14)
    assert add_years(date(2020, 2, 29), 6) == date(2026, 2, 28)


def test_retention_years_comes_from_the_environment_and_must_be_at_least_one(monkeypatch):
    monkeypatch.setenv("RETENTION_YEARS", "8")
    assert load_config("development")["RETENTION_YEARS"] == 8
    monkeypatch.setenv("RETENTION_YEARS", "0")
    with pytest.raises(ConfigError, match="RETENTION_YEARS"):
        load_config("development")


def test_the_business_office_sees_what_is_due_and_extends_a_case_with_a_reason(app, closed_case, bo_client):
    due = closed_case(closed_on=date(2019, 3, 14))
    soon = closed_case(closed_on=date(2020, 6, 1))  # due 1 June 2026; the tests' today is 2 March 2026
    much_later = closed_case(closed_on=date(2024, 1, 10))
    listing = page_text(bo_client.get("/retention"))
    due_part = section(listing, "Due for disposal", "Due in the next 12 months")
    assert due.reference in due_part and soon.reference not in due_part
    assert "14 March 2025" in due_part
    assert soon.reference in section(listing, "Due in the next 12 months", "Disposal records")
    assert much_later.reference not in listing

    url = f"/cases/{due.id}/retention/extend"
    missing = bo_client.post(url, data={"version": "0", "keep_until": ["", "", ""], "reason": ""})
    assert missing.status_code == 422
    assert "Enter the date to keep the case until" in page_text(missing)
    assert "Enter why the case is kept longer" in page_text(missing)
    earlier = bo_client.post(url, data={"version": "0", "keep_until": date_parts(date(2025, 1, 1)), "reason": "x"})
    assert earlier.status_code == 422 and "must be after its current disposal date, 14 March 2025" in page_text(earlier)

    saved = bo_client.post(
        url, data={"version": "0", "keep_until": date_parts(date(2027, 6, 30)), "reason": "Inquest reopened"}
    )
    assert saved.status_code == 302
    page = page_text(bo_client.get(f"/cases/{due.id}/retention"))
    assert "30 June 2027 (extended from 14 March 2025)" in page
    assert "Retention extended: from 14 March 2025 to 30 June 2027" in page and "Inquest reopened" in page
    listing = page_text(bo_client.get("/retention"))
    assert due.reference not in section(listing, "Due for disposal", "Due in the next 12 months")
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "retention.extended")).scalar_one()
    assert event.case_id == due.id and event.detail == {"previous": "2025-03-14", "until": "2027-06-30"}
    assert "Inquest" not in str(event.detail)  # reasons are narrative: not in the audit trail

    # A form shown before that change is refused, not applied over it.
    stale = bo_client.post(
        url, data={"version": "0", "keep_until": date_parts(date(2028, 1, 1)), "reason": "Another reason"}
    )
    assert stale.status_code == 422 and "changed by someone else" in page_text(stale)
    assert schedule_for(due).disposal_on == date(2027, 6, 30)


def test_flask_retention_report_lists_what_is_due(app, closed_case, officer):
    due = closed_case(closed_on=date(2019, 3, 14))
    later = closed_case(closed_on=date(2024, 1, 10))
    held = closed_case(closed_on=date(2018, 7, 2))
    from portal.retention.services import place_hold

    place_hold(held, actor=officer, reason="Litigation", version=0)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["retention", "report"])
    assert result.exit_code == 0, result.output
    lines = {line.split("  ")[0].strip(): line for line in result.output.splitlines()}
    assert "2019-03-14" in lines[due.reference] and "2025-03-14" in lines[due.reference]
    assert lines[due.reference].rstrip().endswith("no")
    assert lines[held.reference].rstrip().endswith("ON HOLD")
    assert later.reference not in result.output
    assert "2 case(s) due for disposal, 1 of them under a legal hold." in result.output
    everything = app.test_cli_runner().invoke(args=["retention", "report", "--all"])
    assert everything.exit_code == 0 and later.reference in everything.output


def test_flask_retention_dispose_makes_the_same_checks(app, closed_case, officer, make_user):
    from portal.cases.models import Case
    from portal.retention.models import DisposalRecord
    from portal.retention.services import place_hold

    case = closed_case()
    case_id, reference = case.id, case.reference
    runner = app.test_cli_runner()
    unconfirmed = runner.invoke(args=["retention", "dispose", reference, "--by", officer.email])
    assert unconfirmed.exit_code == 1 and "--confirm" in unconfirmed.output
    not_office = runner.invoke(args=["retention", "dispose", reference, "--by", make_user().email, "--confirm"])
    assert not_office.exit_code == 1 and "not an active business office account" in not_office.output
    unknown = runner.invoke(args=["retention", "dispose", "Case Q 1999", "--by", officer.email, "--confirm"])
    assert unknown.exit_code == 1 and "no ended case" in unknown.output

    place_hold(case, actor=officer, reason="Inquiry", version=0)
    db.session.commit()
    held = runner.invoke(args=["retention", "dispose", reference, "--by", officer.email, "--confirm"])
    assert held.exit_code == 1 and "legal hold" in held.output
    db.session.expire_all()
    assert db.session.get(Case, case_id) is not None

    from portal.retention.services import lift_hold

    lift_hold(db.session.get(Case, case_id), actor=officer, reason="Inquiry over", version=1)
    db.session.commit()
    done = runner.invoke(args=["retention", "dispose", reference.lower(), "--by", officer.email, "--confirm"])
    assert done.exit_code == 0, done.output
    assert f"{reference} disposed of" in done.output
    db.session.expire_all()
    assert db.session.get(Case, case_id) is None
    record = db.session.execute(select(DisposalRecord)).scalar_one()
    assert record.disposed_by_id == officer.id
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "case.disposed")).scalar_one()
    assert event.actor_id == officer.id


def test_the_business_office_home_lists_cases_due_for_disposal_but_not_those_on_hold(
    app, closed_case, officer, bo_client, make_user, login_as
):
    from portal.retention.services import place_hold
    from portal.web.sqlcount import statements_counted

    due = closed_case(closed_on=date(2019, 3, 14))
    held = closed_case(closed_on=date(2018, 7, 2))
    later = closed_case(closed_on=date(2024, 1, 10))
    place_hold(held, actor=officer, reason="Litigation", version=0)
    db.session.commit()
    home = page_text(bo_client.get("/home"))
    queue = home.split("Cases due for disposal", 1)[1]
    assert due.reference in queue and "Dispose of the case, or keep it longer" in queue
    assert held.reference not in queue and later.reference not in queue
    assert "Overdue" in queue  # its disposal date, 14 March 2025, has passed

    author = login_as(make_user())
    assert "Cases due for disposal" not in page_text(author.get("/home"))

    # One query for the queue, whatever the number of ended cases.
    from portal.retention.queue import QUEUE

    def queries(statements):
        return [s for s in statements if s.startswith("SELECT") and "FROM cases" in s]

    with app.test_request_context(), statements_counted() as few:
        QUEUE.items(officer)
    for _ in range(5):
        closed_case(closed_on=date(2017, 1, 5))
    with app.test_request_context(), statements_counted() as many:
        assert len(QUEUE.items(officer)) == 6
    assert len(queries(many)) == len(queries(few)) == 1
    assert len(many) <= len(few) + 1  # at most the officer's row read again after the commits
