"""A form submitted twice creates one record [SECURITY 31], for every form that creates something.

Each form is taken from its page (so the test proves the page carries the one-time token) and
sent twice: one after the other (a double click, a replay from the browser's history) and at
the same moment from several connections (threads with their own sessions and real commits,
as parallel requests on a server). The second answer is the first one's result, never a
second row or an error page.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.admin.models import CSP, Organisation
from portal.auth.models import User
from portal.cases.models import Case, CaseAgency, CrgUpdate, Membership, RestrictedIdentity, StageHistory
from portal.extensions import db
from portal.web.saving import ALREADY_SAVED
from tests.conftest import page_text
from tests.support import error_summary, submission_token

HTMX = {"HX-Request": "true"}


@dataclass
class World:
    officer: User
    admin: User
    case: Case  # signed off: members, agencies, names, updates and the "amendments" event apply
    csp: CSP
    agency: Organisation
    person: User


@pytest.fixture
def world(app, make_user, make_org):
    csp = CSP(name="Melton Community Safety Partnership", area="Melton")
    db.session.add(csp)
    db.session.flush()
    case = Case(
        letter="D",
        year=2024,
        review_type="dardr",
        stage="signed_off",
        csp_id=csp.id,
        csp_notified_on=date(2024, 3, 1),
        stage_entered_on=date(2025, 9, 1),
    )
    db.session.add(case)
    db.session.commit()
    return World(
        officer=make_user("Odile Officer", system_role="business_office"),
        admin=make_user("Ada Admin", system_role="admin"),
        case=case,
        csp=csp,
        agency=make_org("Shire Police", type="police"),
        person=make_user("Pat Panel"),
    )


@dataclass
class CreatingForm:
    page: str  # where the form is shown
    post: str  # where it is sent
    data: dict
    model: type  # what it creates
    as_admin: bool = False
    prefix: str = ""  # the form's field prefix on a page with two forms
    htmx: bool = False  # also posted by htmx (answers with the case body)


def creating_forms(w: World) -> dict[str, CreatingForm]:
    case = w.case.id
    return {
        "new case": CreatingForm(
            "/cases/new",
            "/cases/new",
            {
                "letter": "H",
                "year": "2026",
                "review_type": "undecided",
                "csp_id": w.csp.id,
                "csp_notified_on": ["2", "2", "2026"],
            },
            Case,
        ),
        "CRG update": CreatingForm(
            f"/cases/{case}/updates/new",
            f"/cases/{case}/updates/new",
            {"meeting_on": ["12", "2", "2026"], "text": "Second draft shared with the panel"},
            CrgUpdate,
            htmx=True,
        ),
        "lifecycle event": CreatingForm(
            f"/cases/{case}/outcomes/amendments",
            f"/cases/{case}/outcomes/amendments",
            {"occurred_on": ["20", "2", "2026"], "version": "1", "note": "Chronology corrected"},
            StageHistory,
            htmx=True,
        ),
        "restricted name": CreatingForm(
            f"/cases/{case}/identities/new",
            f"/cases/{case}/identities/new",
            {"role": "victim", "full_name": "Quentin Restricted"},
            RestrictedIdentity,
        ),
        "agency": CreatingForm(
            f"/cases/{case}/members",
            f"/cases/{case}/agencies",
            {"agency-organisation_id": w.agency.id},
            CaseAgency,
            prefix="agency",
        ),
        "member": CreatingForm(
            f"/cases/{case}/members",
            f"/cases/{case}/members",
            {"user_id": w.person.id, "role": "panel_member"},
            Membership,
        ),
        "invitation": CreatingForm(
            "/admin/users/invite",
            "/admin/users/invite",
            {"name": "Nia Evans", "email": "nia@example.org", "organisation_id": w.agency.id, "system_role": "none"},
            User,
            as_admin=True,
        ),
        "organisation": CreatingForm(
            "/admin/organisations/new",
            "/admin/organisations/new",
            {"name": "Shire Ambulance Service", "type": "ambulance"},
            Organisation,
            as_admin=True,
        ),
        "partnership": CreatingForm(
            "/admin/csps/new", "/admin/csps/new", {"name": "Blaby CSP", "area": "Blaby"}, CSP, as_admin=True
        ),
    }


def _count(model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _filled(client, form: CreatingForm) -> dict:
    page = client.get(form.page)
    assert page.status_code == 200
    return {
        **form.data,
        f"{form.prefix}-submission" if form.prefix else "submission": submission_token(page, form.prefix),
    }


NAMES = [
    "new case",
    "CRG update",
    "lifecycle event",
    "restricted name",
    "agency",
    "member",
    "invitation",
    "organisation",
    "partnership",
]


def test_every_creating_form_is_listed_here(world):
    assert set(NAMES) == set(creating_forms(world))


@pytest.mark.parametrize("name", NAMES)
def test_the_same_form_sent_twice_saves_once(world, login_as, outbox, name):
    form = creating_forms(world)[name]
    client = login_as(world.admin if form.as_admin else world.officer)
    before = _count(form.model)
    data = _filled(client, form)

    first = client.post(form.post, data=data)
    assert first.status_code == 302, error_summary(first)
    assert _count(form.model) == before + 1
    client.get(first.headers["Location"])  # the first confirmation is shown (and so leaves the queue)

    second = client.post(form.post, data=data)
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    assert _count(form.model) == before + 1
    assert ALREADY_SAVED in page_text(client.get(second.headers["Location"]))


@pytest.mark.parametrize("name", ["CRG update", "lifecycle event"])
def test_a_second_htmx_post_answers_with_the_saved_result(world, login_as, name):
    form = creating_forms(world)[name]
    client = login_as(world.officer)
    data = _filled(client, form)
    first = client.post(form.post, data=data, headers=HTMX)
    second = client.post(form.post, data=data, headers=HTMX)
    assert first.status_code == second.status_code == 200
    assert second.headers["HX-Replace-Url"] == f"/cases/{world.case.id}"
    assert ALREADY_SAVED in page_text(second)
    assert _count(form.model) == 1


def _post_together(url, sends: list[tuple]) -> list:
    """Post to ``url`` from every (client, data) at the same moment, each in its own thread."""
    start = threading.Barrier(len(sends))
    responses: list = [None] * len(sends)
    errors: list[BaseException] = []

    def send(index, client, data):
        try:
            start.wait()
            responses[index] = client.post(url, data=dict(data))
        except BaseException as exc:  # reported below
            errors.append(exc)

    db.session.close()  # this thread's connection is not needed while the requests run
    threads = [threading.Thread(target=send, args=(n, *pair)) for n, pair in enumerate(sends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    assert errors == [], errors
    return responses


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.committed  # threads post at once: each request commits for real
def test_parallel_posts_of_one_form_save_once(world, login_as, outbox, name):
    form = creating_forms(world)[name]
    user = world.admin if form.as_admin else world.officer
    clients = [login_as(user) for _ in range(4)]
    before = _count(form.model)
    data = _filled(clients[0], form)

    responses = _post_together(form.post, [(client, data) for client in clients])

    assert [r.status_code for r in responses] == [302] * 4, [error_summary(r) for r in responses]
    assert len({r.headers["Location"] for r in responses}) == 1
    assert _count(form.model) == before + 1


@pytest.mark.committed  # threads post at once: each request commits for real
def test_two_people_registering_the_same_case_at_once_get_one_case(world, login_as, make_user):
    """Different forms (two tabs, two officers): no token in common, the reference is what is unique."""
    officers = [world.officer] + [make_user(f"Officer {n}", system_role="business_office") for n in range(3)]
    clients = [login_as(officer) for officer in officers]
    form = creating_forms(world)["new case"]
    sends = [(client, {**form.data, "submission": submission_token(client.get(form.page))}) for client in clients]
    responses = _post_together(form.post, sends)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [302, 422, 422, 422]
    for refused in (r for r in responses if r.status_code == 422):
        assert "There is already a Case H 2026" in error_summary(refused)
    assert db.session.execute(select(func.count()).select_from(Case).where(Case.letter == "H")).scalar_one() == 1


def test_the_database_refuses_a_second_local_case_with_the_same_reference(app):
    db.session.add_all([Case(letter="H", year=2026, stage="referral"), Case(letter="H", year=2026, stage="referral")])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # A review led elsewhere may share a local reference; two with the same lead area may not.
    db.session.add_all(
        [
            Case(letter="H", year=2026, stage="referral"),
            Case(letter="H", year=2026, stage="referral", lead_area="Warwickshire"),
        ]
    )
    db.session.commit()
    db.session.add(Case(letter="H", year=2026, stage="referral", lead_area="Warwickshire"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_form_without_its_token_is_refused_and_offered_again(world, login_as):
    client = login_as(world.officer)
    form = creating_forms(world)["restricted name"]
    for token in (None, "short", '"><script>alert(1)</script>'):
        data = dict(form.data) if token is None else {**form.data, "submission": token}
        response = client.post(form.post, data=data)
        assert response.status_code == 422
        assert "This page was out of date, so nothing was saved" in error_summary(response)
        assert 'value="Quentin Restricted"' in response.get_data(as_text=True)  # their answers are kept
        new_token = submission_token(response)
        assert new_token != token and "<" not in new_token
    assert _count(RestrictedIdentity) == 0
    saved = client.post(form.post, data={**form.data, "submission": new_token})
    assert saved.status_code == 302 and _count(RestrictedIdentity) == 1


def test_a_token_used_by_someone_else_is_not_theirs_to_replay(world, login_as, make_user):
    form = creating_forms(world)["restricted name"]
    first = login_as(world.officer)
    data = _filled(first, form)
    assert first.post(form.post, data=data).status_code == 302
    other = login_as(make_user("Second Officer", system_role="business_office"))
    response = other.post(form.post, data={**data, "csrf_token": other.csrf_token()})
    assert response.status_code == 422 and "out of date" in error_summary(response)
    assert _count(RestrictedIdentity) == 1


def test_a_refused_form_keeps_its_token_and_saves_once_corrected(world, login_as):
    client = login_as(world.officer)
    form = creating_forms(world)["CRG update"]
    data = _filled(client, form)
    refused = client.post(form.post, data={**data, "text": ""})
    assert refused.status_code == 422 and submission_token(refused) == data["submission"]
    assert client.post(form.post, data=data).status_code == 302
    assert client.post(form.post, data=data).status_code == 302
    assert _count(CrgUpdate) == 1
