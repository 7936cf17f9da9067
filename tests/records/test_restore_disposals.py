"""A restore never brings a disposed case back: backup, dispose, restore the older archive into an
empty database and store, and the disposal ledger has the case removed again and its documents
unreadable, while every other check still passes. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date

import flask_migrate
import pytest
from sqlalchemy import select

from portal.admin.models import CSP
from portal.auth.models import User
from portal.cases.models import Case, RestrictedIdentity
from portal.documents import store_upload
from portal.documents.crypto import DecryptionError, KeyRing, decrypt_chunks, unwrap_data_key
from portal.documents.models import Document
from portal.documents.services import get_storage
from portal.drafts.models import CaseDocument, DraftVersion
from portal.extensions import db
from portal.retention.models import DisposalRecord
from portal.retention.services import dispose
from tests.conftest import new_user
from tests.documents import samples

from .test_backup_restore import backup, every_row, printed_archive, restore, store_files

CLOSED_ON = date(2019, 3, 14)  # due for disposal on 14 March 2025, before the tests' today
NAMES = {"A": "Joan Example", "B": "Kate Keeper"}


def build(side) -> dict:
    """Two closed cases, each with a victim's name and a draft whose file has its own data key."""
    with side.app.app_context():
        csp = CSP(name="Blaby Community Safety Partnership", area="Blaby")
        db.session.add(csp)
        db.session.flush()
        officer = new_user("Owen Officer", system_role="business_office")
        made = {"officer": officer.id}
        for letter, name in NAMES.items():
            case = Case(
                stage="closed",
                letter=letter,
                year=2016,
                review_type="dardr",
                csp_id=csp.id,
                csp_notified_on=date(2016, 1, 6),
                stage_entered_on=CLOSED_ON,
                closed_on=CLOSED_ON,
            )
            db.session.add(case)
            db.session.flush()
            db.session.add(RestrictedIdentity(case_id=case.id, role="victim", full_name=name))
            report = CaseDocument(case_id=case.id, kind="overview_report", title="", created_by_id=officer.id)
            db.session.add(report)
            db.session.flush()
            stored = store_upload(io.BytesIO(samples.docx(f"Overview of case {letter}")), "overview.docx")
            db.session.add(
                DraftVersion(
                    case_id=case.id, document_id=report.id, number=1, file_id=stored.id, uploaded_by_id=officer.id
                )
            )
            db.session.flush()
            made[letter] = {
                "case": case.id,
                "reference": case.reference,
                "document": stored.id,
                "key": stored.storage_key,
            }
        db.session.commit()
        db.session.remove()
    return made


def dispose_of(side, made: dict, letter: str) -> bytes:
    """Dispose of the case as the business office does; returns a copy of its file taken before."""
    with side.app.app_context():
        with get_storage().open(made[letter]["key"]) as handle:
            copy = handle.read()
        case = db.session.get(Case, made[letter]["case"])
        dispose(case, actor=db.session.get(User, made["officer"]), confirmation=case.reference)
        db.session.commit()
        db.session.remove()
    return copy


def cli(side, *args):
    return side.app.test_cli_runner().invoke(args=list(args))


def test_a_case_disposed_of_after_the_backup_is_disposed_of_again_by_the_restore(make_side, tmp_path, database_kind):
    ledger = tmp_path / "elsewhere" / "disposal-ledger.jsonl"
    ledger.parent.mkdir()
    source = make_side("source", migrate=True)
    source.app.config["DISPOSAL_LEDGER"] = str(ledger)
    made = build(source)
    made_backup = backup(source, tmp_path / "before-disposal.backup")
    assert made_backup.exit_code == 0, made_backup.output
    archive, _sha = printed_archive(made_backup)
    copy = dispose_of(source, made, "A")
    assert ledger.read_text().count("\n") == 1

    # Without the ledger the old archive brings the case back, readable: what the ledger prevents.
    bare = make_side("bare", migrate=False)
    assert bare.app.config["DISPOSAL_LEDGER"] == ""
    back = restore(bare, archive)
    assert back.exit_code == 0, back.output
    # Passed (development may restore without one) but said loudly, in the lines and the summary.
    assert "WARNING disposal ledger: DISPOSAL_LEDGER is not set" in back.output
    assert "ok   disposal ledger" not in back.output
    assert "Restore verified: every check passed, with 1 warning(s)" in back.output
    assert NAMES["A"] in str(every_row(bare))
    with bare.app.app_context():
        document = db.session.get(Document, made["A"]["document"])
        key = unwrap_data_key(
            KeyRing.from_config(bare.app.config), document.key_id, document.wrapped_key, document.storage_key
        )
        assert b"".join(decrypt_chunks(io.BytesIO(copy), None, data_key=key))

    target = make_side("target", migrate=False)
    target.app.config["DISPOSAL_LEDGER"] = str(ledger)
    result = restore(target, archive)
    assert result.exit_code == 0, result.output
    assert "Restore verified: every check passed." in result.output
    reference = made["A"]["reference"]
    assert (
        f"1 disposal(s) made after this backup carried out again: {reference} (case {made['A']['case']}:"
        in result.output
    )
    assert "1 data key(s) destroyed" in result.output
    assert "ok   audit verify after re-applied disposals" in result.output
    assert "ok   documents after re-applied disposals" in result.output

    rows = str(every_row(target))
    assert NAMES["A"] not in rows and NAMES["B"] in rows
    assert made["A"]["key"] not in store_files(target) and made["B"]["key"] in store_files(target)
    with target.app.app_context():
        assert db.session.get(Case, made["A"]["case"]) is None
        assert db.session.get(Case, made["B"]["case"]) is not None
        assert db.session.get(Document, made["A"]["document"]) is None
        kept = db.session.execute(select(DisposalRecord)).scalar_one()
        assert (kept.case_reference, kept.former_case_id) == (reference, made["A"]["case"])
        assert (kept.documents_destroyed, kept.keys_destroyed, kept.disposed_by_id) == (1, 1, made["officer"])
        # The copy of the disposed file: no code path opens it with the master key.
        ring = KeyRing.from_config(target.app.config)
        with pytest.raises(DecryptionError):
            b"".join(decrypt_chunks(io.BytesIO(copy), ring))
        for key_id, wrapped in db.session.execute(select(Document.key_id, Document.wrapped_key)).all():
            with pytest.raises(DecryptionError):
                unwrap_data_key(ring, key_id, wrapped, made["A"]["key"])
        db.session.remove()
    assert cli(target, "audit", "verify").exit_code == 0
    verified = cli(target, "documents", "verify")
    assert verified.exit_code == 0 and "Checked 1 document(s)." in verified.output

    # The ledger only re-applies what the archive still holds: a later archive has nothing to redo.
    later = backup(source, tmp_path / "after-disposal.backup")
    assert later.exit_code == 0, later.output
    fresh = make_side("fresh", migrate=False)
    fresh.app.config["DISPOSAL_LEDGER"] = str(ledger)
    again = restore(fresh, printed_archive(later)[0])
    assert again.exit_code == 0, again.output
    assert "none of the ledger's 1 disposal(s) has anything left here to remove" in again.output

    # A ledger that is not there, for an archive that records disposals: not the live ledger.
    elsewhere = make_side("elsewhere", migrate=False)
    elsewhere.app.config["DISPOSAL_LEDGER"] = str(tmp_path / "not-the-ledger.jsonl")
    missing = restore(elsewhere, printed_archive(later)[0])
    assert missing.exit_code == 1
    assert "does not exist, yet this backup records 1 disposal(s)" in missing.output


def test_an_altered_ledger_fails_the_restore(make_side, tmp_path, database_kind):
    ledger = tmp_path / "disposal-ledger.jsonl"
    source = make_side("source", migrate=True)
    source.app.config["DISPOSAL_LEDGER"] = str(ledger)
    made = build(source)
    archive = printed_archive(backup(source, tmp_path / "a.backup"))[0]
    dispose_of(source, made, "A")
    ledger.write_text(ledger.read_text().replace(made["A"]["reference"], made["B"]["reference"]))

    target = make_side("target", migrate=False)
    target.app.config["DISPOSAL_LEDGER"] = str(ledger)
    result = restore(target, archive)
    assert result.exit_code == 1
    assert "line 1 of the disposal ledger was altered" in result.output
    assert NAMES["B"] in str(every_row(target))  # a forged line disposes of nothing


def test_an_archive_older_than_the_code_has_its_disposals_re_applied_after_the_upgrade(
    make_side, tmp_path, database_kind
):
    """Backed up before migration 0019 (document keys), disposed of after the upgrade: the restore says to upgrade,
    and `flask backup reapply-disposals` then removes the case again."""
    ledger = tmp_path / "disposal-ledger.jsonl"
    source = make_side("source", migrate=False)
    source.app.config["DISPOSAL_LEDGER"] = str(ledger)
    with source.app.app_context():
        flask_migrate.upgrade(revision="0018")
        csp = CSP(name="Blaby Community Safety Partnership", area="Blaby")
        db.session.add(csp)
        db.session.flush()
        officer_id = new_user("Owen Officer", system_role="business_office").id
        ids = {}
        for letter, name in NAMES.items():
            case = Case(stage="closed", letter=letter, year=2016, review_type="dardr", csp_id=csp.id,
                        csp_notified_on=date(2016, 1, 6), stage_entered_on=CLOSED_ON, closed_on=CLOSED_ON)  # fmt: skip
            db.session.add(case)
            db.session.flush()
            db.session.add(RestrictedIdentity(case_id=case.id, role="victim", full_name=name))
            ids[letter] = case.id
        db.session.commit()
        db.session.remove()
    archive = printed_archive(backup(source, tmp_path / "at-0018.backup"))[0]
    with source.app.app_context():
        flask_migrate.upgrade()
        case = db.session.get(Case, ids["A"])
        dispose(case, actor=db.session.get(User, officer_id), confirmation=case.reference)
        db.session.commit()
        db.session.remove()

    target = make_side("target", migrate=False)
    target.app.config["DISPOSAL_LEDGER"] = str(ledger)
    result = restore(target, archive)
    assert result.exit_code == 1
    assert "disposals re-applied: not yet: the database is at revision 0018" in result.output
    assert NAMES["A"] in str(every_row(target))
    with target.app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
    redone = cli(target, "backup", "reapply-disposals")
    assert redone.exit_code == 0, redone.output
    assert "1 disposal(s) made after this backup carried out again" in redone.output
    rows = str(every_row(target))
    assert NAMES["A"] not in rows and NAMES["B"] in rows
    assert cli(target, "audit", "verify").exit_code == 0
    again = cli(target, "backup", "reapply-disposals")
    assert again.exit_code == 0
    assert "none of the ledger's 1 disposal(s) has anything left here to remove" in again.output
