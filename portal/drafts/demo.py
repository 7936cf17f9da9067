"""Demo drafts (``flask demo load``): the demo author's Overview Report on Case A 2024 in two
drafts, draft 2 circulated to the panel with a deadline, two comments, a family contact.

Fictional text, in Word files made here. No e-mails are queued for demo data.
"""

from __future__ import annotations

import io
from datetime import timedelta

import docx
from sqlalchemy import select

from portal.auth.models import User
from portal.clock import london_today, utcnow
from portal.documents import store_upload
from portal.extensions import db

from .models import CaseDocument, Circulation, ContactEntry, DraftComment, DraftVersion, Receipt

CASE = ("A", 2024, None)
DRAFT_1 = [
    "1. Introduction",
    "1.1 This review examines the contact agencies had with Adult A in the two years before her death.",
    "2. Terms of reference",
    "2.1 The panel agreed the terms of reference at its first meeting.",
    "3. Chronology",
    "3.1 Adult A attended her GP surgery four times in 2023.",
]
DRAFT_2 = [
    "1. Introduction",
    "1.1 This review examines the contact agencies had with Adult A in the three years before her death.",
    "2. Terms of reference",
    "2.1 The panel agreed the terms of reference at its first meeting.",
    "2.2 The family were invited to contribute and chose the pseudonym Adult A.",
    "3. Chronology",
    "3.1 Adult A attended her GP surgery four times in 2023.",
    "4. Analysis",
    "4.1 Opportunities to ask about domestic abuse were missed at two of those appointments.",
]


def _word(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def load_demo_drafts(cases: dict) -> None:
    case = cases[CASE]
    users = {user.email: user for user in db.session.scalars(select(User))}
    author, panel = users["author@example.org"], users["panel.member@example.org"]
    now = utcnow()
    report = CaseDocument(case_id=case.id, kind="overview_report", title="", created_by_id=author.id, created_at=now)
    db.session.add(report)
    db.session.flush()
    versions = []
    for number, paragraphs, note in (
        (1, DRAFT_1, "First full draft for the panel's second meeting."),
        (2, DRAFT_2, "Period extended to three years; analysis section added."),
    ):
        stored = store_upload(io.BytesIO(_word(paragraphs)), f"Overview Report draft {number}.docx", uploaded_by=author)
        version = DraftVersion(
            case_id=case.id,
            document_id=report.id,
            number=number,
            note=note,
            file_id=stored.id,
            uploaded_by_id=author.id,
            uploaded_at=now - timedelta(days=30 - 20 * (number - 1)),
        )
        db.session.add(version)
        versions.append(version)
    db.session.flush()
    circulation = Circulation(
        case_id=case.id,
        version_id=versions[1].id,
        deadline=london_today() + timedelta(days=14),
        circulated_by_id=author.id,
        circulated_at=now - timedelta(days=3),
    )
    db.session.add(circulation)
    db.session.flush()
    db.session.add(Receipt(circulation_id=circulation.id, reader_id=panel.id, role="panel_member"))
    lead = users.get("csp.lead@example.org")
    if lead is not None and case.csp is not None and case.csp in lead.led_csps:
        db.session.add(Receipt(circulation_id=circulation.id, reader_id=lead.id, role="csp_lead"))
    db.session.add_all(
        [
            DraftComment(
                case_id=case.id,
                circulation_id=circulation.id,
                reader_id=panel.id,
                location="Section 1, paragraph 1.1",
                text="Say why the period was extended to three years.",
                created_at=now - timedelta(days=1),
            ),
            DraftComment(
                case_id=case.id,
                circulation_id=circulation.id,
                reader_id=panel.id,
                location="Section 4, paragraph 4.1",
                text="Which two appointments? Cross-refer to the chronology.",
                created_at=now - timedelta(days=1),
                status="accepted",
                reply="Agreed: paragraph numbers added in draft 3.",
                replied_by_id=author.id,
                replied_at=now,
            ),
            ContactEntry(
                case_id=case.id,
                party="family",
                contact_on=london_today() - timedelta(days=40),
                who="Victim's sister",
                method="in_person",
                advocate="Specialist family advocate",
                discussed="The terms of reference and the choice of pseudonym.",
                views="Wants the report to look at the GP appointments.",
                offered_report=True,
                offered_on=london_today() - timedelta(days=40),
                created_by_id=author.id,
                created_at=now,
            ),
        ]
    )
    db.session.flush()
