"""The anonymisation check before "ready for publication", publication with a takedown date and
its reminder, the public copy, closure; and payloads shown as text."""

from __future__ import annotations

from datetime import date

import docx as python_docx
from sqlalchemy import select

from portal.actions.models import PlanAction
from portal.audit.models import AuditEvent
from portal.cases.models import Case
from portal.extensions import db
from portal.notify import run_reminders
from portal.submission.models import AnonymisationCheck, Publication
from tests.conftest import page_text
from tests.documents import samples

from .helpers import VICTIM, case_url, latest_round, ok, outcome, send, sign_off, upload

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _docx(*paragraphs: str) -> bytes:
    import io

    document = python_docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def approved(world, author, office) -> None:
    """Case A signed off, sent, and graded adequate."""
    ok(sign_off(office, world, date(2026, 1, 5), upload(author, world, samples.docx("Signed off"), "o.docx")))
    ok(send(office, world, date(2026, 1, 6)))
    ok(outcome(office, world, latest_round(world), "adequate", date(2026, 2, 1), [], samples.docx("letter")))


def _latest_check(world) -> AnonymisationCheck:
    return db.session.scalar(
        select(AnonymisationCheck)
        .where(AnonymisationCheck.case_id == world.ids["case_id"])
        .order_by(AnonymisationCheck.id.desc())
        .limit(1)
    )


def _run(client, world) -> AnonymisationCheck:
    ok(client.post(case_url(world, "/checks")))
    return _latest_check(world)


def _publication(world) -> Publication | None:
    return db.session.scalar(select(Publication).where(Publication.case_id == world.ids["case_id"]))


def test_ready_for_publication_is_refused_while_a_hit_has_no_reason(world, client_for):
    author, office = client_for("author"), client_for("bo")
    approved(world, author, office)
    report = _docx("The review of Adult A.", f"{VICTIM.split()[0]} Quorn-Restricted's GP saw her twice.")
    upload(author, world, report, "overview-anonymised.docx")
    check = _run(author, world)
    assert len(check.hits) >= 1 and check.run_by_id == world.users["author"].id
    page = page_text(ok(office.get(case_url(world, f"/checks/{check.id}")), 200))
    assert "Zelda Quorn-Restricted 's GP saw her twice" in page  # the hit (marked) with its context
    # The audit names the file hash and who ran it, never the text.
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "submission.anonymisation_checked").order_by(AuditEvent.id.desc())
    )
    assert event.actor_id == world.users["author"].id
    assert event.detail["files"][0]["sha256"] == check.files[0]["sha256"]
    assert "Quorn" not in str(event.detail)

    refused = office.post(case_url(world, f"/checks/{check.id}/ready"))
    assert refused.status_code == 422 and "no recorded reason" in page_text(refused)
    assert _publication(world) is None
    for hit in check.hits[:-1]:
        ok(office.post(case_url(world, f"/checks/{check.id}/hits/{hit['key']}"), data={"reason": "Agreed"}))
    assert office.post(case_url(world, f"/checks/{check.id}/ready")).status_code == 422
    blank = office.post(case_url(world, f"/checks/{check.id}/hits/{check.hits[-1]['key']}"), data={"reason": " "})
    assert blank.status_code == 422
    ok(office.post(case_url(world, f"/checks/{check.id}/hits/{check.hits[-1]['key']}"), data={"reason": "Agreed"}))
    ok(office.post(case_url(world, f"/checks/{check.id}/ready")))
    publication = _publication(world)
    assert publication.ready_check_id == check.id


def test_a_newer_version_needs_a_new_check_and_kept_reasons_carry_over_for_the_same_hit(world, client_for):
    author, office = client_for("author"), client_for("bo")
    approved(world, author, office)
    upload(author, world, _docx("Zelda was seen by the GP."), "o.docx")
    check = _run(office, world)
    (hit,) = check.hits
    ok(office.post(case_url(world, f"/checks/{check.id}/hits/{hit['key']}"), data={"reason": "Family agreed"}))
    clean = _docx("Adult A was seen by the GP.")
    clean_id = upload(author, world, clean, "o-clean.docx")
    stale = office.post(case_url(world, f"/checks/{check.id}/ready"))
    assert stale.status_code == 422 and "newer version" in page_text(stale)
    again = _run(office, world)
    assert again.hits == [] and again.files[0]["version_id"] == clean_id
    ok(office.post(case_url(world, f"/checks/{again.id}/ready")))
    assert _publication(world).overview_version_id == clean_id


def test_ready_is_refused_before_the_home_office_approves(world, client_for):
    author, office = client_for("author"), client_for("bo")
    upload(author, world, _docx("Adult A."), "o.docx")
    check = _run(author, world)
    refused = office.post(case_url(world, f"/checks/{check.id}/ready"))
    assert refused.status_code == 422 and "has not yet said" in page_text(refused)


def _ready(world, author, office) -> int:
    approved(world, author, office)
    clean = _docx("Adult A was known to services.")
    version_id = upload(author, world, clean, "public.docx")
    check = _run(office, world)
    ok(office.post(case_url(world, f"/checks/{check.id}/ready")))
    return version_id


def _publish(office, world, published_on: date, takedown=("", "", "")):
    return office.post(
        case_url(world, "/publication"),
        data={
            "family_told_on": ["20", "2", "2026"],
            "published_on": [str(published_on.day), str(published_on.month), str(published_on.year)],
            "web_address": "https://example.org/reviews/dhr-a-2024",
            "takedown_on": list(takedown),
        },
    )


def test_publication_sets_the_takedown_date_keeps_the_public_copy_and_reminds_once(world, client_for, outbox, app):
    author, office = client_for("author"), client_for("bo")
    version_id = _ready(world, author, office)
    bad = office.post(case_url(world, "/publication"), data={"web_address": "javascript:alert(1)"})
    assert bad.status_code == 422
    ok(_publish(office, world, date(2026, 2, 27)))
    case = db.session.get(Case, world.ids["case_id"])
    publication = _publication(world)
    assert case.stage == "published" and case.published_on == date(2026, 2, 27)
    assert publication.takedown_on == date(2027, 2, 27)  # TAKEDOWN_MONTHS, 12 by default
    assert publication.family_told_on == date(2026, 2, 20)
    public = ok(author.get(case_url(world, f"/public/{version_id}")), 200)
    assert public.data == _docx_bytes_of(version_id)
    assert "Takedown date: 27 February 2027" in page_text(ok(office.get(case_url(world)), 200))

    outbox.messages.clear()
    lead_day = date(2027, 1, 30)  # 28 days before
    run_reminders(lead_day)
    run_reminders(lead_day)
    run_reminders(date(2027, 2, 1))
    from portal.notify.models import OutboxMessage

    queued = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind.like("takedown.%"))).all()
    assert [m.kind for m in queued] == ["takedown.upcoming"]
    assert {m.recipient_id for m in queued} == {world.users["bo"].id}
    assert "Quorn" not in queued[0].link_path and queued[0].link_path.endswith(f"/cases/{case.id}/submission")


def _docx_bytes_of(version_id: int) -> bytes:
    from portal.documents import open_document
    from portal.drafts.models import DraftVersion

    with open_document(db.session.get(DraftVersion, version_id).file) as blocks:
        return b"".join(blocks)


def test_a_takedown_date_of_your_own_and_closing_once_every_action_is_confirmed(world, client_for):
    author, office = client_for("author"), client_for("bo")
    _ready(world, author, office)
    ok(_publish(office, world, date(2026, 2, 27), ("27", "2", "2028")))
    assert _publication(world).takedown_on == date(2028, 2, 27)
    refused = office.post(case_url(world, "/close"))
    assert refused.status_code == 422 and "not yet confirmed complete" in page_text(refused)
    for action in db.session.scalars(select(PlanAction).where(PlanAction.case_id == world.ids["case_id"])):
        action.status = "confirmed"
    db.session.commit()
    ok(office.post(case_url(world, "/close")))
    case = db.session.get(Case, world.ids["case_id"])
    assert case.stage == "closed" and case.closed_on == date(2026, 3, 2)


def test_payloads_are_shown_as_text(world, client_for):
    author, office = client_for("author"), client_for("bo")
    ok(
        office.post(
            case_url(world, "/amendments"),
            data={"requested_on": ["12", "2", "2026"], "what": XSS, "submission": "x" * 24},
        )
    )
    upload(author, world, _docx(f"Zelda {XSS}"), "o.docx")
    check = _run(office, world)
    ok(office.post(case_url(world, f"/checks/{check.id}/hits/{check.hits[0]['key']}"), data={"reason": XSS}))
    for url in (case_url(world), case_url(world, f"/checks/{check.id}"), f"/cases/{world.ids['case_id']}"):
        html = ok(office.get(url), 200).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
    assert "&lt;script&gt;" in ok(office.get(case_url(world)), 200).get_data(as_text=True)


def test_the_check_finds_a_date_of_birth_and_a_postcode_added_for_the_victim(world, client_for):
    author, office = client_for("author"), client_for("bo")
    ok(office.get(case_url(world, "/identifiers/new")), 200)
    from portal.cases.models import RestrictedIdentity

    identity = db.session.scalar(select(RestrictedIdentity).where(RestrictedIdentity.case_id == world.ids["case_id"]))
    for kind, value in (("date_of_birth", "01/03/1980"), ("postcode", "LS1 4AB")):
        ok(
            office.post(
                case_url(world, "/identifiers/new"),
                data={"identity": str(identity.id), "kind": kind, "value": value, "submission": kind * 4},
            )
        )
    bad = office.post(
        case_url(world, "/identifiers/new"),
        data={"identity": str(identity.id), "kind": "date_of_birth", "value": "soon", "submission": "z" * 24},
    )
    assert bad.status_code == 422 and "as a date" in page_text(bad)
    page = page_text(ok(author.get(case_url(world, "/identifiers")), 200))
    assert "1 March 1980" in page and "LS1 4AB" in page
    upload(author, world, _docx("Adult A, born 1 March 1980, lived at LS14AB.", "Also 01/03/1980."), "o.docx")
    check = _run(author, world)
    found = sorted((hit["kind"], hit["found"]) for hit in check.hits)
    assert found == [("date_of_birth", "01/03/1980"), ("date_of_birth", "1 March 1980"), ("postcode", "LS14AB")]
    assert {hit["identity"] for hit in check.hits} == {"Victim"}  # the role, never the name
    assert _run(author, world).hits == check.hits  # the same every time


def test_the_check_after_publication_says_it_is_published_and_words_hits_as_people_do(world, client_for):
    from portal.cases.models import RestrictedIdentity
    from portal.submission.models import IdentityDetail

    author, office = client_for("author"), client_for("bo")
    _ready(world, author, office)
    ok(_publish(office, world, date(2026, 2, 27)))
    victim = db.session.scalar(
        select(RestrictedIdentity).where(
            RestrictedIdentity.case_id == world.ids["case_id"], RestrictedIdentity.full_name == VICTIM
        )
    )
    db.session.add(
        IdentityDetail(
            case_id=victim.case_id,
            identity_id=victim.id,
            kind="date_of_birth",
            value="1970-05-04",
            created_by_id=world.users["bo"].id,
        )
    )
    db.session.commit()
    upload(author, world, _docx("Adult A, born 4 May 1970, was known to services."), "later.docx")
    check = _run(office, world)
    assert [hit["kind"] for hit in check.hits] == ["date_of_birth"]
    page = page_text(ok(office.get(case_url(world, f"/checks/{check.id}")), 200))
    assert "(date of birth)" in page and "date_of_birth" not in page
    assert "1 hit " in page and "hit(s)" not in page
    assert "has not yet said" not in page
    assert "Published The report was published on 27 February 2026" in page


def test_why_a_check_cannot_make_the_report_ready_is_in_proper_plurals(world, client_for):
    author, office = client_for("author"), client_for("bo")
    approved(world, author, office)
    upload(author, world, _docx(f"{VICTIM} saw the GP.", f"{VICTIM} saw the nurse."), "o.docx")
    check = _run(office, world)
    assert len(check.hits) == 2
    refused = page_text(office.post(case_url(world, f"/checks/{check.id}/ready")))
    assert "2 hits have no recorded reason" in refused and "hit(s)" not in refused
    ok(office.post(case_url(world, f"/checks/{check.id}/hits/{check.hits[0]['key']}"), data={"reason": "Agreed"}))
    refused = page_text(office.post(case_url(world, f"/checks/{check.id}/ready")))
    assert "1 hit has no recorded reason" in refused
