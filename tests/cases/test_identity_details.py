"""A restricted identity's date of birth and address: typed the GOV.UK way, checked, kept, shown
only where the real name is, and audited without their values."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.admin.models import CSP
from portal.audit.models import AuditEvent
from portal.cases.models import Case, RestrictedIdentity
from portal.extensions import db
from portal.trawl.models import TrawlRequest
from portal.web.postcodes import normalise_postcode
from tests.conftest import page_text
from tests.support import once
from tests.web.test_xss import PAYLOADS, assert_inert


@pytest.fixture
def case(app):
    csp = CSP(name="Test CSP", area="Test")
    db.session.add(csp)
    db.session.flush()
    case = Case(letter="T", year=2025, review_type="dhr", stage="in_review", csp_id=csp.id, pseudonym="Adult T")
    db.session.add(case)
    db.session.commit()
    return case


@pytest.fixture
def officer(make_user):
    return make_user("Olu Officer", system_role="business_office")


def _form(**overrides) -> dict:
    return {
        **once(),
        "role": "victim",
        "full_name": "Quentin Restricted",
        "relationship_to_victim": "",
        "date_of_birth": ["4", "11", "1972"],
        "address_line_1": "12 Acacia Avenue",
        "address_line_2": "Flat 3",
        "address_town": "Leicester",
        "postcode": " le1  6zg ",
        "notes": "",
        **overrides,
    }


def _summary(response) -> list[str]:
    html = response.get_data(as_text=True)
    block = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert block, "no GOV.UK error summary"
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", block.group(0), re.S)]


def test_date_of_birth_and_address_are_recorded_shown_to_the_office_and_audited_without_values(
    app, case, officer, login_as
):
    client = login_as(officer)
    assert client.post(f"/cases/{case.id}/identities/new", data=_form()).status_code == 302
    identity = db.session.execute(select(RestrictedIdentity)).scalar_one()
    assert identity.date_of_birth == date(1972, 11, 4)
    assert (identity.address_line_1, identity.address_line_2, identity.address_town) == (
        "12 Acacia Avenue",
        "Flat 3",
        "Leicester",
    )
    assert identity.postcode == "LE1 6ZG"
    text = page_text(client.get(f"/cases/{case.id}/identities"))
    assert "4 November 1972" in text and "12 Acacia Avenue Flat 3 Leicester LE1 6ZG" in text
    added = db.session.execute(select(AuditEvent).where(AuditEvent.action == "case.identity_added")).scalar_one()
    assert added.detail == {"role": "victim", "recorded": ["date_of_birth", "address", "postcode"]}
    every_detail = str([event.detail for event in db.session.execute(select(AuditEvent)).scalars()])
    assert "Acacia" not in every_detail and "1972" not in every_detail and "LE1" not in every_detail


def test_a_name_alone_is_still_enough(app, case, officer, login_as):
    client = login_as(officer)
    blank = {"date_of_birth": ["", "", ""], "address_line_1": "", "address_line_2": "", "address_town": ""}
    assert client.post(f"/cases/{case.id}/identities/new", data=_form(**blank, postcode="")).status_code == 302
    identity = db.session.execute(select(RestrictedIdentity)).scalar_one()
    assert identity.date_of_birth is None and identity.address_lines == []


@pytest.mark.parametrize(
    ("overrides", "message", "field"),
    [
        ({"date_of_birth": ["31", "2", "1972"]}, "Date of birth must be a real date", "date_of_birth"),
        ({"date_of_birth": ["4", "", "1972"]}, "Date of birth must include a month", "date_of_birth"),
        ({"date_of_birth": ["4", "11", "2027"]}, "Date of birth must be today or in the past", "date_of_birth"),
        ({"date_of_birth": ["4", "11", "1872"]}, "Date of birth must be the same as or after 1 January 1900", None),
        ({"postcode": "LE1 6Z"}, "Enter a real postcode, for example LE1 6ZG", "postcode"),
        ({"address_line_1": ""}, "Enter address line 1, typically the building and street", "address_line_1"),
        ({"address_town": ""}, "Enter town or city", "address_town"),
    ],
)
def test_bad_details_are_refused_in_the_error_summary_and_what_was_typed_is_kept(
    app, case, officer, login_as, overrides, message, field
):
    response = login_as(officer).post(f"/cases/{case.id}/identities/new", data=_form(**overrides))
    assert response.status_code == 422
    assert message in _summary(response)
    html = response.get_data(as_text=True)
    assert 'value="Quentin Restricted"' in html  # typed text kept
    if field:
        assert f'href="#{field}' in html  # the summary links to the field
    assert db.session.execute(select(RestrictedIdentity)).first() is None


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("le16zg", "LE1 6ZG"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("m1 1ae", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("W1A0AX", "W1A 0AX"),
    ],
)
def test_postcodes_are_written_one_way(typed, written):
    assert normalise_postcode(typed) == written


@pytest.mark.parametrize("typed", ["", "LE1", "12345", "LE1 6ZGG", "1LE 6ZG", "LE1-6ZG"])
def test_what_is_not_a_postcode_is_refused(typed):
    assert normalise_postcode(typed) is None


def test_the_anonymisation_check_searches_for_the_recorded_date_of_birth_and_address(app, case, officer, login_as):
    """The submission area's check reads the identity's own fields too (not only its separate details)."""
    from portal.submission import anonymisation
    from portal.submission.services import identities

    login_as(officer).post(f"/cases/{case.id}/identities/new", data=_form())
    with app.test_request_context():
        people = identities(db.session.get(Case, case.id))
    passage = anonymisation.Passage("Paragraph 4", "Adult T, born 04/11/1972, lived at 12 Acacia Ave (LE16ZG).")
    found = {hit.kind for hit in anonymisation.check([passage], people)}
    assert {"date_of_birth", "address", "postcode"} <= found


def _edit_form(identity, **overrides) -> dict:
    data = {
        "version": str(identity.version),
        "role": identity.role,
        "full_name": identity.full_name,
        "relationship_to_victim": identity.relationship_to_victim or "",
        "date_of_birth": ["", "", ""],
        "address_line_1": "",
        "address_line_2": "",
        "address_town": "",
        "postcode": "",
        "notes": identity.notes or "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def named(case):
    identity = RestrictedIdentity(case_id=case.id, role="victim", full_name="Quentin Restricted")
    db.session.add(identity)
    db.session.commit()
    return identity


def _fresh(identity) -> RestrictedIdentity:
    db.session.expire_all()
    return db.session.get(RestrictedIdentity, identity.id)


def test_a_name_recorded_before_gets_its_date_of_birth_and_address_later_with_its_history(
    app, case, officer, named, login_as
):
    client = login_as(officer)
    page = client.get(f"/cases/{case.id}/identities/{named.id}/edit")
    assert page.status_code == 200 and 'value="Quentin Restricted"' in page.get_data(as_text=True)
    assert "Change the victim's details" in page_text(page)
    viewed = db.session.execute(select(AuditEvent).where(AuditEvent.action == "case.identities_viewed")).scalars()
    assert [event.detail for event in viewed] == [{"count": 1, "identity_id": named.id}]  # showing it is a read

    answers = _edit_form(named, date_of_birth=["4", "11", "1972"], address_line_1="12 Acacia Avenue")
    answers.update(address_town="Leicester", postcode="le16zg")
    assert client.post(f"/cases/{case.id}/identities/{named.id}/edit", data=answers).status_code == 302
    changed = _fresh(named)
    assert (changed.date_of_birth, changed.address_lines) == (
        date(1972, 11, 4),
        ["12 Acacia Avenue", "Leicester", "LE1 6ZG"],
    )
    assert changed.version == 2
    history = db.session.execute(select(AuditEvent).where(AuditEvent.action == "case.identity_changed")).scalar_one()
    assert history.detail == {"fields": ["date_of_birth", "address_line_1", "address_town", "postcode"]}
    assert "Acacia" not in str(history.detail) and "1972" not in str(history.detail)
    text = page_text(client.get(f"/cases/{case.id}/identities"))
    assert "4 November 1972" in text and "Change victim's details" in text

    # Sent again unchanged: nothing changes, no history.
    same = _edit_form(changed, date_of_birth=["4", "11", "1972"], address_line_1="12 Acacia Avenue")
    same.update(address_town="Leicester", postcode="LE1 6ZG")
    response = client.post(f"/cases/{case.id}/identities/{named.id}/edit", data=same, follow_redirects=True)
    assert "Nothing was changed." in page_text(response)
    assert len(db.session.execute(select(AuditEvent).where(AuditEvent.action == "case.identity_changed")).all()) == 1


def test_a_bad_change_is_refused_in_the_error_summary_and_nothing_changes(app, case, officer, named, login_as):
    response = login_as(officer).post(
        f"/cases/{case.id}/identities/{named.id}/edit", data=_edit_form(named, postcode="NOT A POSTCODE")
    )
    assert response.status_code == 422
    assert "Enter a real postcode, for example LE1 6ZG" in _summary(response)
    assert 'value="NOT A POSTCODE"' in response.get_data(as_text=True)
    assert _fresh(named).postcode is None and _fresh(named).version == 1


def test_two_people_changing_the_same_person_the_second_is_told_and_keeps_their_text(
    app, case, officer, named, make_user, login_as
):
    first, second = login_as(officer), login_as(make_user("Sam Second", system_role="business_office"))
    url = f"/cases/{case.id}/identities/{named.id}/edit"
    assert first.post(url, data=_edit_form(named, notes="Known as Quin")).status_code == 302
    late = second.post(url, data=_edit_form(named, relationship_to_victim="", notes="Second officer's note"))
    assert late.status_code == 422
    assert "changed by someone else" in page_text(late)
    assert "Second officer&#39;s note" in late.get_data(as_text=True) or "Second officer's note" in page_text(late)
    assert _fresh(named).notes == "Known as Quin"
    # The form now carries the current version: sending it again saves.
    version = re.search(
        r'name="version" type="hidden" value="(\d+)"|value="(\d+)"[^>]*name="version"', late.get_data(as_text=True)
    )
    assert version and "2" in version.groups()
    again = second.post(url, data={**_edit_form(_fresh(named), notes="Second officer's note")})
    assert again.status_code == 302 and _fresh(named).notes == "Second officer's note"


def test_another_reviews_person_is_a_404_and_only_the_office_may_change(app, case, officer, named, make_user, login_as):
    other = Case(letter="O", year=2025, review_type="dhr", stage="in_review")
    db.session.add(other)
    db.session.commit()
    client = login_as(officer)
    assert client.get(f"/cases/{other.id}/identities/{named.id}/edit").status_code == 404
    assert client.post(f"/cases/{other.id}/identities/{named.id}/edit", data=_edit_form(named)).status_code == 404
    assert _fresh(named).version == 1


@pytest.mark.parametrize("payload", PAYLOADS)
def test_what_is_typed_into_the_address_renders_inert(app, case, officer, login_as, payload, make_user, make_org):
    """XSS [SECURITY 19]: on the real names page, the edit form, and the agency's identifying details."""
    from portal.trawl import services as trawl_services

    client = login_as(officer)
    answers = _form(address_line_1=payload[:200], address_line_2=payload[:200], address_town=payload[:100], postcode="")
    assert client.post(f"/cases/{case.id}/identities/new", data=answers).status_code == 302
    identity = db.session.execute(select(RestrictedIdentity)).scalar_one()
    assert identity.address_line_1 == payload.strip()
    assert_inert(client.get(f"/cases/{case.id}/identities").get_data(as_text=True))
    assert_inert(client.get(f"/cases/{case.id}/identities/{identity.id}/edit").get_data(as_text=True))
    bad = _edit_form(identity, address_line_1=payload, postcode=payload)
    refused = client.post(f"/cases/{case.id}/identities/{identity.id}/edit", data=bad)
    assert refused.status_code == 422
    assert_inert(refused.get_data(as_text=True))

    police = make_org("Inert Police", type="police")
    contact = make_user("Ina Contact", organisation=police, is_agency_contact=True)
    with app.test_request_context():
        trawl = trawl_services.circulate(
            db.session.get(Case, case.id),
            actor=officer,
            organisation_ids=[police.id],
            scope_from=date(2022, 1, 1),
            scope_to=date(2025, 1, 1),
            subjects=[trawl_services.SubjectInput("victim", "Adult T", identity.id)],
            due_on=date(2026, 4, 30),
            message=None,
        )
        db.session.commit()
        request_id = db.session.execute(select(TrawlRequest.id).where(TrawlRequest.trawl_id == trawl.id)).scalar_one()
    shown = login_as(contact).get(f"/cases/{case.id}/trawl/requests/{request_id}/identities")
    assert shown.status_code == 200
    assert_inert(shown.get_data(as_text=True))
