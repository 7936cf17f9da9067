"""The trawl's pages are valid HTML (the Nu HTML checker), as the demo people see them, with and
without errors."""

from __future__ import annotations

from sqlalchemy import select

from portal.admin.models import Organisation
from portal.cases.models import Case
from portal.demo.cli import load_demo
from portal.extensions import db
from portal.trawl.models import TrawlRequest
from tests.demo_accounts import demo_client
from tests.web.nu_checker import check


def _get(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _post(client, url: str, data: dict, status: int, **kwargs) -> str:
    response = client.post(url, data=data, **kwargs)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def test_trawl_pages_are_valid_html(app, clock, tmp_path):
    load_demo()
    a = db.session.execute(select(Case).where(Case.letter == "A", Case.year == 2024)).scalar_one()
    u = db.session.execute(select(Case).where(Case.letter == "U", Case.year == 2023)).scalar_one()
    police = db.session.execute(select(Organisation).where(Organisation.name == "Leicestershire Police")).scalar_one()
    uhl_name = "University Hospitals of Leicester NHS Trust"
    requests = {
        (request.case_id, request.organisation.name): request
        for request in db.session.execute(select(TrawlRequest)).scalars()
    }
    own = requests[(a.id, police.name)]
    submitted = requests[(a.id, uhl_name)]
    with_imr = requests[(u.id, police.name)]
    row = own.current.rows[0]
    base = f"/cases/{a.id}/trawl/requests/{own.id}"

    office = demo_client(app, clock, "business_office")
    author = demo_client(app, clock, "author")
    agency = demo_client(app, clock, "agency_contact")
    pages = {
        "tracker": _get(office, f"/cases/{a.id}/trawl"),
        "add an agency": _get(office, f"/cases/{a.id}/trawl/agencies/new"),
        "add an agency, with errors": _post(office, f"/cases/{a.id}/trawl/agencies/new", {}, 422),
        "case page with the trawl": _get(author, f"/cases/{a.id}"),
        "submitted return, to decide": _get(author, f"/cases/{a.id}/trawl/requests/{submitted.id}"),
        "more information, with errors": _post(
            author, f"/cases/{a.id}/trawl/requests/{submitted.id}/more-information", {}, 422
        ),
        "ask for an IMR": _get(author, f"/cases/{a.id}/trawl/requests/{submitted.id}/imr"),
        "merged chronology": _get(author, f"/cases/{u.id}/trawl/chronology"),
        "merged chronology, filtered": _get(author, f"/cases/{u.id}/trawl/chronology?date_from=1&date_from=1"),
        "agency lists": _get(office, "/trawl/agency-lists"),
        "new agency list, with errors": _post(office, "/trawl/agency-lists/new", {}, 422),
        "requests for my agency": _get(agency, "/trawl/requests"),
        "request, agency": _get(agency, base),
        "identifying details": _get(agency, f"{base}/identities"),
        "return": _get(agency, f"{base}/return"),
        "return, with errors": _post(agency, f"{base}/rows", {}, 422),
        "return, editing a row": _get(agency, f"{base}/rows/{row.id}"),
        "submit": _get(agency, f"{base}/submit"),
        "import": _get(agency, f"{base}/import"),
        "import, with errors": _post(agency, f"{base}/import", {}, 422),
        "request with an IMR, agency": _get(agency, f"/cases/{u.id}/trawl/requests/{with_imr.id}"),
    }
    office_circulate_case = db.session.execute(select(Case).where(Case.letter == "D", Case.year == 2024)).scalar_one()
    pages["circulate"] = _get(office, f"/cases/{office_circulate_case.id}/trawl/circulate")
    pages["circulate, with errors"] = _post(office, f"/cases/{office_circulate_case.id}/trawl/circulate", {}, 422)
    # The restricted identities whose date of birth and address the identifying details show.
    from portal.cases.models import RestrictedIdentity

    victim = db.session.execute(
        select(RestrictedIdentity).where(RestrictedIdentity.case_id == a.id, RestrictedIdentity.role == "victim")
    ).scalar_one()
    pages["real names"] = _get(office, f"/cases/{a.id}/identities")
    pages["record a name"] = _get(office, f"/cases/{a.id}/identities/new")
    pages["record a name, with errors"] = _post(
        office, f"/cases/{a.id}/identities/new", {"full_name": "X", "postcode": "nope", "address_town": "T"}, 422
    )
    pages["change a person's details"] = _get(office, f"/cases/{a.id}/identities/{victim.id}/edit")
    problems = check(pages, tmp_path / "pages")
    assert problems == {}, problems
