"""Ended cases with rows in every table of the case today, a document store, a signed-in officer."""

from __future__ import annotations

import io
from datetime import date

import pytest

from portal.cases.models import CaseAgency, CrgUpdate, FieldChange, Membership, RestrictedIdentity, StageHistory
from portal.extensions import db
from tests.cases.conftest import bo_client, date_parts, make_case, make_csp, officer  # noqa: F401, F811 - fixtures

CLOSED_ON = date(2019, 3, 14)  # with the default six years: due on 14 March 2025, before the tests' today


@pytest.fixture
def store(app, tmp_path):
    """Documents in this test's own folder; unscanned uploads allowed (development profile)."""
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    app.config["PORTAL_ENV"] = "development"
    app.extensions.pop("documents.storage", None)
    return tmp_path / "documents"


def upload(text: str, user=None):
    from portal.documents.services import store_upload

    document = store_upload(io.BytesIO(text.encode()), "notes.txt", uploaded_by=user)
    db.session.commit()
    return document


@pytest.fixture
def closed_case(make_case, make_user):  # noqa: F811 - the fixture imported above
    """A closed case with a row in each of the case tables the core has, names that must go with it."""

    def make(*, closed_on: date = CLOSED_ON, stage: str = "closed", names=("Joan Example",), **fields):
        if stage == "closed":
            fields.setdefault("closed_on", closed_on)
        else:
            fields.setdefault("decision_on", closed_on)
        case = make_case(stage=stage, year=2016, pseudonym="Adult Z", stage_entered_on=closed_on, **fields)
        member = make_user()
        org = member.organisation
        entry = StageHistory(case_id=case.id, kind="move", move="close", to_stage=stage, occurred_on=closed_on)
        db.session.add(entry)
        db.session.flush()
        db.session.add_all(
            [
                Membership(case_id=case.id, user_id=member.id, role="author"),
                CaseAgency(case_id=case.id, organisation_id=org.id),
                CrgUpdate(case_id=case.id, meeting_on=date(2019, 2, 14), text=f"Update on {case.reference}"),
                FieldChange(case_id=case.id, field="closed_on", new_value=str(closed_on), history_id=entry.id),
                *[RestrictedIdentity(case_id=case.id, role="victim", full_name=name) for name in names],
            ]
        )
        db.session.commit()
        return case

    return make
