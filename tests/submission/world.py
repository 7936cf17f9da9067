"""Case A's sign-off, Home Office round and anonymisation check for the authorization world
(tests/authz/conftest.py build_world).

Case A stays "in review" (the other areas' rows need it there): the sign-off pins draft 2, the
round was sent and graded adequate once one change is made (its letter in the document store),
and a check found the victim's real name (its context is a sentinel only the business office
and the author may see). ``clear_submission`` removes them for tests that walk the process
from the start.
"""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import delete, select

from portal.documents import store_upload
from portal.extensions import db
from portal.submission.models import (
    AmendmentRequest,
    AnonymisationCheck,
    HitReason,
    IdentityDetail,
    Publication,
    QaRound,
    RequiredChange,
    SignOff,
)
from tests.documents import samples

HIT_KEY = "0123456789abcdef0123456789abcdef"


def add_submission(case_a, users, drafts: dict, real_name: str) -> dict:
    office = users["bo"]
    signoff = SignOff(
        case_id=case_a.id,
        signed_off_on=date(2026, 1, 5),
        overview_version_id=drafts["version_id"],
        plan_rows=0,
        recorded_by_id=office.id,
    )
    db.session.add(signoff)
    db.session.flush()
    letter = store_upload(io.BytesIO(samples.docx("Feedback letter")), "letter.docx", uploaded_by=office)
    qa_round = QaRound(
        case_id=case_a.id,
        number=1,
        signoff_id=signoff.id,
        pack_sha256="0" * 64,
        sent_on=date(2026, 1, 10),
        outcome="adequate_with_changes",
        outcome_on=date(2026, 2, 1),
        letter_document_id=letter.id,
        recorded_by_id=office.id,
    )
    db.session.add(qa_round)
    db.session.flush()
    change = RequiredChange(case_id=case_a.id, round_id=qa_round.id, text="Remove the street name")
    check = AnonymisationCheck(
        case_id=case_a.id,
        files=[{"version_id": drafts["version_id"], "label": "Overview Report, draft 2", "sha256": "0" * 64}],
        hits=[
            {
                "key": HIT_KEY,
                "version_id": drafts["version_id"],
                "file": "Overview Report, draft 2",
                "identity": "Victim",
                "term": real_name,
                "location": "Paragraph 3",
                "before": "The GP saw ",
                "found": real_name,
                "after": " twice in May.",
                "kind": "name",
            }
        ],
        run_by_id=office.id,
    )
    from portal.cases.models import RestrictedIdentity

    identity = db.session.scalar(select(RestrictedIdentity).where(RestrictedIdentity.case_id == case_a.id))
    detail = IdentityDetail(case_id=case_a.id, identity_id=identity.id, kind="date_of_birth", value="1980-03-01")
    db.session.add_all([change, check, detail])
    db.session.commit()
    return {
        "round_id": qa_round.id,
        "change_id": change.id,
        "check_id": check.id,
        "key": HIT_KEY,
        "detail_id": detail.id,
    }


def clear_submission(case) -> None:
    for model in (
        IdentityDetail,
        Publication,
        HitReason,
        AnonymisationCheck,
        RequiredChange,
        QaRound,
        AmendmentRequest,
        SignOff,
    ):
        if model is HitReason:
            db.session.execute(delete(HitReason))
            continue
        db.session.execute(delete(model).where(model.case_id == case.id))
    db.session.commit()
