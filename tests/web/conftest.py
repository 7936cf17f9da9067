"""A case for the input tests, and a signed-in business office officer."""

from __future__ import annotations

from datetime import date

import pytest

from portal.admin.models import CSP
from portal.cases.models import Case
from portal.extensions import db


@pytest.fixture
def case(app):
    csp = CSP(name="Charnwood Community Safety Partnership", area="Charnwood")
    db.session.add(csp)
    db.session.flush()
    case = Case(
        letter="C",
        year=2025,
        review_type="dardr",
        stage="in_review",
        csp_id=csp.id,
        pseudonym="Adult C",
        csp_notified_on=date(2025, 1, 6),
        stage_entered_on=date(2025, 3, 1),
    )
    db.session.add(case)
    db.session.commit()
    return case


@pytest.fixture
def officer(make_user):
    return make_user("Odile Officer", system_role="business_office")


@pytest.fixture
def officer_client(officer, login_as):
    return login_as(officer)
