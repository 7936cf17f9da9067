"""Acting as the business office and the author would, through the pages."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime

from sqlalchemy import select

from portal.drafts.models import DraftVersion
from portal.extensions import db
from portal.submission.models import QaRound
from tests.drafts import helpers as drafts_helpers
from tests.support import once

VICTIM = "Zelda Quorn-Restricted"  # case A's restricted identity (tests/authz/conftest.py)


def parts(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


# Before every sign-off these tests record (a sign-off may not be dated before its files were
# uploaded, and the frozen clock's today is later than the dates the tests sign off on).
UPLOADED = datetime(2025, 1, 2, 10, 0, tzinfo=UTC)


def upload(client, world, content: bytes, filename: str, kind: str = "overview_report", uploaded_at=UPLOADED) -> int:
    """Upload a version through the drafts page, then give it the time it was uploaded."""
    version_id = drafts_helpers.upload(client, world, content, filename, kind=kind)
    db.session.get(DraftVersion, version_id).uploaded_at = uploaded_at
    db.session.commit()
    return version_id


def case_url(world, path: str = "") -> str:
    return f"/cases/{world.ids['case_id']}/submission{path}"


def ok(response, status: int = 302):
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    db.session.expire_all()  # the request saved in its own session: read afresh
    return response


def version(version_id: int) -> DraftVersion:
    return db.session.get(DraftVersion, version_id)


def sign_off(client, world, on: date, overview_id: int, summary_id: int | None = None):
    return client.post(
        case_url(world, "/sign-off"),
        data={
            "signed_off_on": parts(on),
            "overview_version": str(overview_id),
            "summary_version": str(summary_id) if summary_id else "",
            "note": "",
            **once(),
        },
    )


def send(client, world, on: date, commissioner_on: date | None = None):
    return client.post(
        case_url(world, "/send"),
        data={
            "sent_on": parts(on),
            "commissioner_on": parts(commissioner_on) if commissioner_on else ["", "", ""],
            **once(),
        },
    )


def latest_round(world) -> QaRound:
    return db.session.scalar(
        select(QaRound).where(QaRound.case_id == world.ids["case_id"]).order_by(QaRound.number.desc()).limit(1)
    )


def outcome(client, world, qa_round: QaRound, result: str, on: date, changes: list[str], letter: bytes):
    return client.post(
        case_url(world, f"/rounds/{qa_round.id}/outcome"),
        data={
            "version": str(qa_round.row_version),
            "outcome": result,
            "outcome_on": parts(on),
            "changes": "\n".join(changes),
            "letter": (io.BytesIO(letter), "feedback-letter.docx"),
        },
        content_type="multipart/form-data",
    )


def tick_all(client, world, qa_round: QaRound):
    db.session.expire_all()
    for change in db.session.get(QaRound, qa_round.id).changes:
        ok(
            client.post(
                case_url(world, f"/changes/{change.id}"), data={"version": str(change.row_version), "done": "1"}
            )
        )


def zip_texts(data: bytes) -> dict[str, str]:
    """Every entry of a zip as text; entries that are zips themselves (Word, Excel) as all their parts' text."""
    texts = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            body = archive.read(name)
            if body[:2] == b"PK":
                with zipfile.ZipFile(io.BytesIO(body)) as inner:
                    texts[name] = " ".join(inner.read(part).decode("utf-8", "replace") for part in inner.namelist())
            else:
                texts[name] = body.decode("utf-8", "replace")
    return texts


def version_id_from(response) -> int:
    return int(re.search(r"/versions/(\d+)", response.headers["Location"]).group(1))
