"""A legal hold and a disposal at the same moment: the hold wins or the disposal does, never both.

Each thread has its own application context, session and connection, as two requests would.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from portal.cases.models import Case
from portal.errors import FormError
from portal.extensions import db
from portal.retention.models import CaseRetention, DisposalRecord
from portal.retention.services import dispose, place_hold

pytestmark = pytest.mark.committed


def test_a_disposal_waiting_on_a_hold_being_placed_is_refused(app, make_case, make_user):
    officer = make_user(system_role="business_office")
    case = make_case(stage="closed", closed_on=date(2019, 3, 14), year=2016)
    case_id, officer_id, reference = case.id, officer.id, case.reference
    db.session.close()

    hold_locked, let_hold_commit = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def hold():
        try:
            with app.app_context():
                place_hold(
                    db.session.get(Case, case_id),
                    actor=db.session.get(type(officer), officer_id),
                    reason="Judicial review",
                    version=0,
                )
                db.session.flush()
                hold_locked.set()
                let_hold_commit.wait(timeout=30)
                db.session.commit()
        except BaseException as exc:  # reported below
            outcome["hold"] = exc
            hold_locked.set()

    def disposal():
        try:
            with app.app_context():
                dispose(
                    db.session.get(Case, case_id),
                    actor=db.session.get(type(officer), officer_id),
                    confirmation=reference,
                )
                db.session.commit()
                outcome["disposal"] = "disposed"
        except FormError as refusal:
            outcome["disposal"] = str(refusal)
        except BaseException as exc:
            outcome["disposal"] = exc

    holder = threading.Thread(target=hold)
    holder.start()
    assert hold_locked.wait(timeout=30)
    disposer = threading.Thread(target=disposal)
    disposer.start()
    disposer.join(timeout=1)
    assert disposer.is_alive(), "the disposal did not wait for the hold's transaction"
    let_hold_commit.set()
    holder.join(timeout=30)
    disposer.join(timeout=30)
    assert "hold" not in outcome, outcome
    assert "legal hold" in str(outcome["disposal"]), outcome

    db.session.expire_all()
    assert db.session.get(Case, case_id) is not None
    assert db.session.execute(select(CaseRetention.legal_hold).where(CaseRetention.case_id == case_id)).scalar()
    assert db.session.execute(select(DisposalRecord)).first() is None
