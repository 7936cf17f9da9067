"""The trawl as people use it: circulate, answer (nil or with a chronology), submit, decide."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.cases.models import CaseAgency
from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.trawl.models import ChronologyRow, TrawlRequest
from tests.conftest import page_text
from tests.support import error_summary, once

from .conftest import ADDRESS_LINE, BORN_SHOWN, DUE, POSTCODE, REAL_NAME, circulate_form, date_parts, request_url


def _fresh(request) -> TrawlRequest:
    db.session.expire_all()
    return db.session.get(TrawlRequest, request.id)


def _answers(request, **answers) -> dict:
    current = _fresh(request).current
    subjects = _fresh(request).trawl.subjects
    data = {"version": str(current.version)}
    for subject in subjects:
        data[f"contact_{subject.id}"] = answers.get(subject.pseudonym, "no")
    for name in ("involvement_from", "involvement_to", "summary"):
        if name in answers:
            data[name] = answers[name]
    return data


def _row(**values) -> dict:
    row = {
        **once(),
        "occurred_on": date_parts(date(2024, 5, 2)),
        "occurred_at": "14:30",
        "subject": "Adult T (victim)",
        "practitioner": "PC Smith, response officer",
        "contact_type": "999 call",
        "what_happened": "Call reporting an argument at the address.",
        "action_taken": "Officers attended; DASH risk assessment completed.",
        "source_reference": "Incident 1234",
    }
    row.update(values)
    return row


def _submit(client, request, **values):
    data = {
        "version": str(_fresh(request).current.version),
        "name": "Pete Police",
        "role": "Safeguarding lead",
        "confirmed": "y",
    }
    data.update(values)
    return client.post(f"{request_url(request)}/submit", data=data)


def test_circulating_sends_one_request_per_agency_involves_it_and_queues_an_email(tw, circulated):
    police = circulated["police"]
    assert police.due_on == DUE and police.is_open
    assert [s.label for s in police.trawl.subjects] == ["Adult T (victim)", "Male P (perpetrator)"]
    involved = set(
        db.session.execute(select(CaseAgency.organisation_id).where(CaseAgency.case_id == tw.case.id)).scalars()
    )
    assert involved == {tw.orgs["police"].id, tw.orgs["nhs"].id}
    messages = (
        db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "trawl_request_sent")).scalars().all()
    )
    assert {m.recipient_id for m in messages} == {tw.users["police"].id, tw.users["nhs"].id}
    assert all(
        m.link_path == request_url(circulated[key])
        for key in ("police", "nhs")
        for m in messages
        if m.recipient_id == tw.users[key].id
    )
    # The tracker shows both, sent, with no reminder yet.
    text = page_text(circulated["bo_client"].get(f"{tw.case_url}/trawl"))
    assert "Trawl NHS Trust Sent" in text and "Trawl Police Sent" in text and "None sent" in text


def test_the_circulation_form_names_every_problem(tw, login_as):
    client = login_as(tw.users["author"])
    response = client.post(
        f"{tw.case_url}/trawl/circulate",
        data=circulate_form(tw, organisation_ids=[], scope_to=date_parts(date(2021, 1, 1))),
    )
    assert response.status_code == 422
    assert "The end of the period must be the same as or after its start" in error_summary(response)
    assert db.session.execute(select(TrawlRequest)).first() is None


def test_a_default_due_date_is_twenty_working_days_away(tw, login_as):
    page = page_text(login_as(tw.users["bo"]).get(f"{tw.case_url}/trawl/circulate"))
    # 2 March 2026 (a Monday) plus 20 working days: 30 March 2026.
    assert 'value="30"' in login_as(tw.users["bo"]).get(f"{tw.case_url}/trawl/circulate").get_data(as_text=True)
    assert "Send the information trawl" in page


def test_nil_return_journey(tw, circulated, login_as):
    police = circulated["police"]
    client = login_as(tw.users["police"])
    assert client.post(f"{request_url(police)}/acknowledge").status_code == 302
    assert client.post(f"{request_url(police)}/return", data=_answers(police)).status_code == 302
    assert _fresh(police).current.nil_return is True
    assert "nil return" in page_text(client.get(f"{request_url(police)}/submit"))
    assert _submit(client, police).status_code == 302
    current = _fresh(police).current
    assert (current.status, current.declaration_name, current.declared) == ("submitted", "Pete Police", True)
    text = page_text(circulated["bo_client"].get(f"{tw.case_url}/trawl"))
    assert "Trawl Police Nil return" in text


def test_chronology_return_journey_then_submit_locks_it(tw, circulated, login_as):
    police = circulated["police"]
    client = login_as(tw.users["police"])
    answers = _answers(
        police,
        **{
            "Adult T": "yes",
            "involvement_from": date_parts(date(2023, 1, 1)),
            "involvement_to": date_parts(date(2024, 12, 31)),
            "summary": "Three call-outs to the address.",
        },
    )
    assert client.post(f"{request_url(police)}/return", data=answers).status_code == 302
    # Submitting without a chronology is refused, with the reason.
    refused = _submit(client, police)
    assert refused.status_code == 422 and "add the chronology" in error_summary(refused)
    for day in (3, 1, 2):
        response = client.post(f"{request_url(police)}/rows", data=_row(occurred_on=date_parts(date(2024, 5, day))))
        assert response.status_code == 302
    current = _fresh(police).current
    assert [row.occurred_on.day for row in current.rows] == [1, 2, 3]
    assert _submit(client, police).status_code == 302
    # Locked: nothing more can change.
    row = _fresh(police).current.rows[0]
    assert client.post(f"{request_url(police)}/rows", data=_row()).status_code == 302
    assert len(_fresh(police).current.rows) == 3
    edit = client.post(
        f"{request_url(police)}/rows/{row.id}",
        data={**{f"edit-{k}": v for k, v in _row(what_happened="Changed").items()}, "edit-version": str(row.version)},
    )
    assert edit.status_code == 302
    db.session.expire_all()
    assert db.session.get(ChronologyRow, row.id).what_happened != "Changed"
    assert client.post(f"{request_url(police)}/return", data=answers).status_code == 302
    assert _fresh(police).current.summary == "Three call-outs to the address."
    assert "Returned with contact" in page_text(circulated["bo_client"].get(f"{tw.case_url}/trawl"))


def test_more_information_keeps_the_earlier_version_and_accept_closes(tw, circulated, login_as):
    police = circulated["police"]
    agency = login_as(tw.users["police"])
    agency.post(f"{request_url(police)}/return", data=_answers(police))
    assert _submit(agency, police).status_code == 302
    author = login_as(tw.users["author"])
    first = _fresh(police).current
    asked = author.post(
        f"{request_url(police)}/more-information",
        data={
            "more-version": str(first.version),
            "more-note": "Check 2021 too.",
            "more-due_on": date_parts(date(2026, 4, 17)),
        },
    )
    assert asked.status_code == 302
    assert _fresh(police).due_on == date(2026, 4, 17)
    versions = _fresh(police).returns
    assert [(v.number, v.status) for v in versions] == [(1, "more_info"), (2, "draft")]
    assert versions[0].more_info_note == "Check 2021 too." and versions[0].declaration_name == "Pete Police"
    assert "Check 2021 too." in page_text(agency.get(f"{request_url(police)}/return"))
    # The earlier version stays viewable.
    assert "Version 1: More information requested (shown)" in page_text(agency.get(f"{request_url(police)}?version=1"))
    agency.post(f"{request_url(police)}/return", data=_answers(police))
    assert _submit(agency, police).status_code == 302
    second = _fresh(police).current
    assert author.post(f"{request_url(police)}/accept", data={"accept-version": str(second.version)}).status_code == 302
    assert _fresh(police).closed_at is not None and _fresh(police).current.status == "accepted"
    assert "Accepted" in page_text(author.get(f"{tw.case_url}/trawl"))


def test_identities_shown_to_the_agency_while_open_each_view_audited_then_gone(tw, circulated, login_as):
    police = circulated["police"]
    agency = login_as(tw.users["police"])
    url = f"{request_url(police)}/identities"

    def views():
        return (
            db.session.execute(
                select(AuditEvent).where(
                    AuditEvent.action == "trawl.identities_viewed", AuditEvent.object_id == str(police.id)
                )
            )
            .scalars()
            .all()
        )

    assert REAL_NAME in agency.get(url).get_data(as_text=True)
    shown = page_text(agency.get(url))
    assert all(part in shown for part in (REAL_NAME, BORN_SHOWN, f"{ADDRESS_LINE} Leicester {POSTCODE}"))
    assert len(views()) == 2
    # Nobody else sees them on the trawl's pages: not the other agency, not the panel member.
    assert login_as(tw.users["nhs"]).get(url).status_code == 404
    assert login_as(tw.users["panel"]).get(url).status_code == 403
    page = agency.get(request_url(police)).get_data(as_text=True)
    assert all(part not in page for part in (REAL_NAME, BORN_SHOWN, ADDRESS_LINE, POSTCODE))
    for other in ("nhs", "panel"):
        body = login_as(tw.users[other]).get(request_url(circulated["nhs"])).get_data(as_text=True)
        assert all(part not in body for part in (REAL_NAME, BORN_SHOWN, ADDRESS_LINE, POSTCODE)), other
    # Once accepted, no longer.
    agency.post(f"{request_url(police)}/return", data=_answers(police))
    _submit(agency, police)
    bo = circulated["bo_client"]
    bo.post(f"{request_url(police)}/accept", data={"accept-version": str(_fresh(police).current.version)})
    refused = agency.get(url)
    assert refused.status_code == 403
    assert all(part not in refused.get_data(as_text=True) for part in (REAL_NAME, BORN_SHOWN, ADDRESS_LINE, POSTCODE))
    # A page that says why, with a way back to the request, not the generic refusal.
    said = page_text(refused)
    assert "This request is closed: the identifying details are no longer shown" in said
    assert "Your role does not allow this" not in said
    assert f'href="{request_url(police)}"' in refused.get_data(as_text=True)
    denied = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "access.denied", AuditEvent.case_id == tw.case.id)
    ).scalars()
    assert any(event.detail.get("endpoint") == "trawl.identities" for event in denied)
    assert "no longer shown" in page_text(agency.get(request_url(police)))
    assert len(views()) == 2


def test_another_agencys_request_return_and_row_are_404(tw, circulated, login_as):
    police, nhs = circulated["police"], circulated["nhs"]
    agency = login_as(tw.users["police"])
    agency.post(f"{request_url(police)}/rows", data=_row())
    row = _fresh(police).current.rows[0]
    other = login_as(tw.users["nhs"])
    for url in (
        request_url(police),
        f"{request_url(police)}/return",
        f"{request_url(police)}/submit",
        f"{request_url(police)}/rows/{row.id}",
    ):
        assert other.get(url).status_code == 404, url
    assert (
        other.post(f"{request_url(police)}/rows/{row.id}/remove", data={"version": str(row.version)}).status_code == 404
    )
    # A row id of the police under the NHS trust's own request: 404 too.
    assert other.get(f"{request_url(nhs)}/rows/{row.id}").status_code == 404
    # A panel member sees no returns.
    panel = login_as(tw.users["panel"])
    assert panel.get(request_url(police)).status_code == 403
    assert panel.get(f"{tw.case_url}/trawl").status_code == 403
    assert "Information trawl" not in page_text(panel.get(tw.case_url))


def test_a_stale_save_keeps_the_typed_text(tw, circulated, login_as):
    police = circulated["police"]
    agency = login_as(tw.users["police"])
    agency.post(f"{request_url(police)}/rows", data=_row())
    row = _fresh(police).current.rows[0]
    old_version = row.version
    fields = lambda text: {  # noqa: E731
        **{f"edit-{k}": v for k, v in _row(what_happened=text).items() if k != "submission"},
        "edit-version": str(old_version),
    }
    assert agency.post(f"{request_url(police)}/rows/{row.id}", data=fields("First edit")).status_code == 302
    second = agency.post(f"{request_url(police)}/rows/{row.id}", data=fields("Second edit, typed meanwhile"))
    assert second.status_code == 422
    assert "changed by someone else" in error_summary(second)
    assert "Second edit, typed meanwhile" in second.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ChronologyRow, row.id).what_happened == "First edit"
    # The answers too.
    stale = _answers(police, summary="Typed text kept")
    agency.post(f"{request_url(police)}/return", data=_answers(police))
    again = agency.post(f"{request_url(police)}/return", data=stale)
    assert again.status_code == 422 and "Typed text kept" in again.get_data(as_text=True)


def test_rows_inline_with_htmx_answer_the_chronology_fragment(tw, circulated, login_as):
    police = circulated["police"]
    agency = login_as(tw.users["police"])
    htmx = {"HX-Request": "true"}
    added = agency.post(f"{request_url(police)}/rows", data=_row(), headers=htmx)
    assert added.status_code == 200
    body = added.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="chronology">') and "Call reporting an argument" in body
    bad = agency.post(f"{request_url(police)}/rows", data=_row(what_happened=""), headers=htmx)
    assert bad.status_code == 422 and "Enter what happened" in error_summary(bad)
    row = _fresh(police).current.rows[0]
    editing = agency.get(f"{request_url(police)}/rows/{row.id}", headers=htmx)
    assert editing.status_code == 200 and 'name="edit-what_happened"' in editing.get_data(as_text=True)
    removed = agency.post(
        f"{request_url(police)}/rows/{row.id}/remove", data={"version": str(row.version)}, headers=htmx
    )
    assert removed.status_code == 200 and "No rows yet." in removed.get_data(as_text=True)
    assert _fresh(police).current.rows == []


def test_adding_an_agency_later_sends_it_its_own_request(tw, circulated, make_org, make_user):
    probation = make_org("Trawl Probation", type="probation")
    make_user("Pro Bation", organisation=probation, is_agency_contact=True)
    bo = circulated["bo_client"]
    response = bo.post(
        f"{tw.case_url}/trawl/agencies/new",
        data={**once(), "organisation_id": str(probation.id), "due_on": date_parts(date(2026, 4, 20))},
    )
    assert response.status_code == 302
    request = db.session.execute(select(TrawlRequest).where(TrawlRequest.organisation_id == probation.id)).scalar_one()
    assert request.due_on == date(2026, 4, 20) and request.trawl_id == circulated["police"].trawl_id
    again = bo.post(
        f"{tw.case_url}/trawl/agencies/new",
        data={**once(), "organisation_id": str(probation.id), "due_on": date_parts(date(2026, 4, 20))},
    )
    assert again.status_code == 422


def test_requests_for_my_agency_due_first_overdue_flagged(tw, circulated, login_as, clock):
    clock.advance(days=40)  # past the due date (and every session: sign in again)
    text = page_text(login_as(tw.users["police"]).get("/trawl/requests"))
    assert "Adult T" not in text  # the list names the review by its reference only
    assert "DHR Case T 2025" in text and "Overdue" in text
    home = page_text(login_as(tw.users["police"]).get("/home"))
    assert "Requests for your agency" in home and "Answer the information request" in home
    office = page_text(login_as(tw.users["bo"]).get("/home"))
    assert "Chase Trawl Police: its return is overdue" in office


def test_an_overdue_imr_is_in_the_authors_queue(tw, circulated, login_as, clock):
    from portal.trawl.models import Imr

    police = circulated["police"]
    current = _fresh(police).current
    current.status, current.nil_return = "submitted", False
    db.session.add(Imr(request_id=police.id, case_id=police.case_id, due_on=date(2026, 3, 20), author_name="Dr I"))
    db.session.commit()
    clock.advance(days=21)
    home = page_text(login_as(tw.users["author"]).get("/home"))
    assert "Chase Trawl Police: its IMR is overdue" in home
    assert "Send the Individual Management Review" in page_text(login_as(tw.users["police"]).get("/home"))
