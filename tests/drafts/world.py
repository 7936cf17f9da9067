"""Drafts on the authorization world's cases (tests/authz/conftest.py build_world).

Case A: the Overview Report in three drafts. Draft 1 was circulated and its deadline has
passed; draft 2 is circulated with comments open (the panel member has commented); draft 3
is not circulated. A contact log entry. Case B: one circulated draft of its own.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from portal.documents import store_upload
from portal.drafts.models import CaseDocument, Circulation, ContactEntry, DraftComment, DraftVersion, Receipt
from portal.extensions import db
from tests.documents import samples

TODAY = date(2026, 3, 2)  # the frozen clock's date
DRAFT_SENTINELS = {
    "panel comment": "Sentinel comment: paragraph 4.12 misreads the chronology",
    "family views": "Sentinel views: the family want the pseudonym Adult A kept",
}


def _version(case, document, number, author, content: bytes, filename: str):
    stored = store_upload(io.BytesIO(content), filename, uploaded_by=author)
    version = DraftVersion(
        case_id=case.id,
        document_id=document.id,
        number=number,
        note=f"Draft {number}",
        file_id=stored.id,
        uploaded_by_id=author.id,
    )
    db.session.add(version)
    db.session.flush()
    return version


def _circulate(version, deadline, by, readers):
    circulation = Circulation(case_id=version.case_id, version_id=version.id, deadline=deadline, circulated_by_id=by.id)
    db.session.add(circulation)
    db.session.flush()
    for user, role in readers:
        db.session.add(Receipt(circulation_id=circulation.id, reader_id=user.id, role=role))
    return circulation


def add_drafts(case_a, case_b, users) -> dict:
    """The drafts objects; returns their ids for URLs (``version_id`` is the open circulated draft)."""
    author, panel = users["author"], users["panel"]
    readers = [(panel, "panel_member"), (users["observer"], "observer"), (users["lead"], "csp_lead")]
    report = CaseDocument(case_id=case_a.id, kind="overview_report", title="", created_by_id=author.id)
    report_b = CaseDocument(case_id=case_b.id, kind="overview_report", title="")
    db.session.add_all([report, report_b])
    db.session.flush()
    first = _version(case_a, report, 1, author, samples.docx("First draft paragraph"), "overview-1.docx")
    second = _version(case_a, report, 2, author, samples.docx("Second draft paragraph"), "overview-2.docx")
    third = _version(case_a, report, 3, author, samples.pdf(), "overview-3.pdf")
    other = _version(case_b, report_b, 1, users["bo"], samples.docx("Case B draft"), "b-1.docx")
    _circulate(first, TODAY - timedelta(days=20), author, readers)
    open_now = _circulate(second, TODAY + timedelta(days=10), author, readers)
    _circulate(other, TODAY + timedelta(days=10), users["bo"], [(panel, "panel_member")])
    comment = DraftComment(
        case_id=case_a.id,
        circulation_id=open_now.id,
        reader_id=panel.id,
        location="Section 4, paragraph 4.12",
        text=DRAFT_SENTINELS["panel comment"],
    )
    entry = ContactEntry(
        case_id=case_a.id,
        party="family",
        contact_on=TODAY - timedelta(days=30),
        who="Victim's sister",
        method="phone",
        advocate="AAFDA advocate",
        discussed="Terms of reference",
        views=DRAFT_SENTINELS["family views"],
        offered_report=True,
        offered_on=TODAY - timedelta(days=30),
        created_by_id=author.id,
    )
    db.session.add_all([comment, entry])
    db.session.commit()
    return {
        "version_id": second.id,
        "other_id": first.id,
        "uncirculated_id": third.id,
        "comment_id": comment.id,
        "entry_id": entry.id,
        "b_version_id": other.id,
    }
