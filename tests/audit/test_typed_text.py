"""The trail keeps the fact of a search and its filters, never what was typed [SECURITY 29].

Searches are typed by people looking for a case: a pseudonym, a lead area, sometimes by mistake
a real name. The trail's own rule is "no narrative", so the words stay out of it.
"""

from __future__ import annotations

import json

from portal.extensions import db
from tests.audit.conftest import events

TYPED = "Zebedee Typed-Search"


def _all_details() -> str:
    return json.dumps([event.detail for event in events()])


def test_a_register_export_records_that_there_was_a_search_not_its_words(app, make_case, make_user, login_as):
    make_case("H", 2022, pseudonym="Adult K")
    client = login_as(make_user(system_role="business_office"))
    response = client.get(f"/cases/export.csv?q={TYPED}&stage=referral&year=2022")
    assert response.status_code == 200
    [event] = events(action="cases.register_exported")
    assert event.detail == {"rows": 0, "stage": "referral", "year": 2022, "searched": True}
    assert "Zebedee" not in _all_details()


def test_an_export_without_a_search_says_so(app, make_case, make_user, login_as):
    make_case("H", 2022)
    client = login_as(make_user(system_role="business_office"))
    assert client.get("/cases/export.csv?hold=no").status_code == 200
    [event] = events(action="cases.register_exported")
    assert event.detail == {"rows": 1, "hold": "no"}


def test_searching_the_register_and_the_audit_trail_leaves_no_typed_words(app, make_case, make_user, login_as):
    make_case("H", 2022, pseudonym=TYPED)
    register = login_as(make_user(system_role="business_office"))
    for path in (f"/cases?q={TYPED}", f"/cases?q={TYPED}&page=2"):
        assert register.get(path).status_code == 200
        assert register.get(path, headers={"HX-Request": "true"}).status_code == 200
    admin = login_as(make_user(system_role="admin"))
    for query in (f"case={TYPED}", "email=zebedee.typed@example.org", f"case={TYPED}&email=zebedee@example.org"):
        assert admin.get(f"/admin/audit?{query}").status_code in (200, 422)
    db.session.expire_all()
    details = _all_details()
    assert "Zebedee" not in details and "zebedee" not in details
    searched = events(action="audit.searched")
    assert searched and all(set(event.detail) <= {"case_ids", "by_email", "user_id"} for event in searched)
