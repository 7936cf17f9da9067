"""A real area's rows: a case with a sign-off, a Home Office round (its feedback letter in the
document store), a required change, an anonymisation check quoting a real name and an extra
identifier is disposed of whole; another case's drafts are untouched."""

from __future__ import annotations

from portal.documents.models import Document
from portal.documents.services import get_storage
from portal.extensions import db
from portal.retention.services import dispose
from portal.submission.models import AnonymisationCheck, IdentityDetail, QaRound, RequiredChange, SignOff
from tests.drafts.world import add_drafts
from tests.submission.world import add_submission

from .test_disposal import audit_verify, rows_of


def test_a_case_with_its_submission_is_disposed_of_with_the_letter(app, store, closed_case, officer, make_user):
    disposed, kept = closed_case(names=("Joan Example",)), closed_case(names=("Kate Keeper",))
    users = {"author": make_user(), "panel": make_user(), "observer": make_user(), "lead": make_user(), "bo": officer}
    drafts = add_drafts(disposed, kept, users)
    ids = add_submission(disposed, users, drafts, "Joan Example")
    letter = db.session.get(Document, db.session.get(QaRound, ids["round_id"]).letter_document_id)
    letter_id, letter_key = letter.id, letter.storage_key
    case_id, reference = disposed.id, disposed.reference
    tables = {model.__tablename__ for model in (SignOff, QaRound, RequiredChange, AnonymisationCheck, IdentityDetail)}
    belongs = rows_of(case_id)
    assert tables <= set(belongs), belongs
    kept_rows = rows_of(kept.id)

    record = dispose(disposed, actor=officer, confirmation=reference)
    db.session.commit()

    assert rows_of(case_id) == {} and rows_of(kept.id) == kept_rows
    assert db.session.get(Document, letter_id) is None and not get_storage().exists(letter_key)
    assert record.rows_removed == belongs
    assert "Joan Example" not in str(record.rows_removed)
    assert audit_verify(app).exit_code == 0
