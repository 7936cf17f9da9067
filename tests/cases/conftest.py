"""Factories for cases and CSPs, and a signed-in business office officer."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from portal.admin.models import CSP
from portal.cases.models import Case, CrgUpdate, StageHistory
from portal.extensions import db

_letters = itertools.count()


@pytest.fixture
def make_csp(app):
    def make(area: str = "Blaby") -> CSP:
        csp = CSP(name=f"{area} Community Safety Partnership", area=area)
        db.session.add(csp)
        db.session.commit()
        return csp

    return make


def _letter() -> str:
    n = next(_letters)
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n % 26] + ("" if n < 26 else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n // 26 % 26])


@pytest.fixture
def make_case(app, make_csp):
    """A case at ``stage`` with a 'created' history entry on ``stage_entered_on`` (or ``csp_notified_on``)."""

    default_csp = {}

    def make(*, stage: str = "referral", csp=None, history: bool = True, **fields) -> Case:
        if csp is None and not fields.get("lead_area"):
            if "csp" not in default_csp:
                default_csp["csp"] = make_csp("Default")
            csp = default_csp["csp"]
        fields.setdefault("letter", _letter())
        fields.setdefault("year", 2025)
        fields.setdefault("review_type", "undecided" if stage == "referral" else "dardr")
        fields.setdefault("csp_notified_on", date(2025, 1, 6))
        fields.setdefault("stage_entered_on", fields["csp_notified_on"])
        case = Case(stage=stage, csp_id=csp.id if csp else None, **fields)
        db.session.add(case)
        db.session.flush()
        if history:
            db.session.add(
                StageHistory(case_id=case.id, kind="created", to_stage=stage, occurred_on=case.stage_entered_on)
            )
        db.session.commit()
        return case

    return make


@pytest.fixture
def add_update(app):
    def add(case, text: str = "Expression of interest for author circulated", meeting_on=date(2025, 6, 12)):
        update = CrgUpdate(case_id=case.id, meeting_on=meeting_on, text=text)
        db.session.add(update)
        db.session.commit()
        return update

    return add


@pytest.fixture
def officer(make_user):
    return make_user("Owen Officer", system_role="business_office")


@pytest.fixture
def bo_client(officer, login_as):
    return login_as(officer)


def date_parts(value: date) -> list[str]:
    """How a GOV.UK date input posts a date: three boxes with the same name."""
    return [str(value.day), str(value.month), str(value.year)]


def fresh(case) -> Case:
    """The case as the database has it now (requests ran in their own sessions)."""
    db.session.expire_all()
    return db.session.get(Case, case.id)
