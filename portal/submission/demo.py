"""Demo data for sign-off and submission: demo review X 2021 (already signed off at the April CRG,
then amended) gets its victim's restricted identity, a date of birth for the anonymisation check,
and the drafts to sign off: the Overview Report and the Executive Summary.

The business office can then record the sign-off of those versions, download the Home Office
pack, record it sent and the feedback letter; the report's draft 1 still names the victim once,
so the anonymisation check has something to find until the author uploads a clean version.
All names are fictional.
"""

from __future__ import annotations

import io
from datetime import timedelta

import docx
from sqlalchemy import select

from portal.auth.models import User
from portal.cases.models import RestrictedIdentity
from portal.clock import utcnow
from portal.documents import store_upload
from portal.drafts.models import CaseDocument, DraftVersion
from portal.extensions import db

from .models import IdentityDetail

CASE = ("X", 2021, None)
VICTIM = "Patricia Lowell"
REPORT = [
    "Overview Report: Adult P",
    "1. Introduction. This review examines the contact agencies had with Adult P in the three years before her death.",
    "2. Chronology. Patricia Lowell's GP recorded concerns in March 2020.",  # left in: the check finds it
    "3. Analysis. Agencies did not share what they knew of the coercive control Adult P described.",
]
SUMMARY = [
    "Executive Summary: Adult P",
    "The panel makes six recommendations, on information sharing and risk assessment.",
]


def _word(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def load_demo_submission(cases: dict) -> None:
    case = cases[CASE]
    users = {user.email: user for user in db.session.scalars(select(User))}
    author = users["author@example.org"]
    identity = RestrictedIdentity(case_id=case.id, role="victim", full_name=VICTIM)
    db.session.add(identity)
    db.session.flush()
    db.session.add(IdentityDetail(case_id=case.id, identity_id=identity.id, kind="date_of_birth", value="1968-07-04"))
    now = utcnow()
    for kind, paragraphs in (("overview_report", REPORT), ("executive_summary", SUMMARY)):
        document = CaseDocument(case_id=case.id, kind=kind, title="", created_by_id=author.id, created_at=now)
        db.session.add(document)
        db.session.flush()
        stored = store_upload(io.BytesIO(_word(paragraphs)), f"{document.name} draft 1.docx", uploaded_by=author)
        db.session.add(
            DraftVersion(
                case_id=case.id,
                document_id=document.id,
                number=1,
                note="As presented to the CRG.",
                file_id=stored.id,
                uploaded_by_id=author.id,
                uploaded_at=now - timedelta(days=7),
            )
        )
    db.session.flush()
