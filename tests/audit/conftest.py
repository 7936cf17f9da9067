"""Helpers for the audit tests: cases made directly with the models, and reading the trail back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db


def events(**where):
    """Every audit event (optionally only those with these column values), in chain order."""
    from portal.audit.models import AuditEvent

    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.seq)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return list(db.session.execute(query).scalars())


@pytest.fixture
def make_case(app):
    """A case owned by a new CSP (or the one given), made directly with the models."""
    from portal.admin.models import CSP
    from portal.cases.models import Case

    counter = iter(range(1, 10_000))

    def make(letter: str | None = None, year: int = 2024, *, csp=None, **fields):
        n = next(counter)
        if csp is None:
            csp = CSP(name=f"Partnership {n}", area=f"Area {n}")
            db.session.add(csp)
        case = Case(letter=letter or "ABCDEFGH"[n % 8], year=year, csp=csp, review_type="dhr", **fields)
        db.session.add(case)
        db.session.commit()
        return case

    return make


@pytest.fixture
def add_member(app):
    from portal.cases.models import Membership

    def add(case, user, role="panel_member", **fields):
        membership = Membership(case_id=case.id, user_id=user.id, role=role, **fields)
        db.session.add(membership)
        db.session.commit()
        return membership

    return add
