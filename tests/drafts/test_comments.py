"""Panel comments: added by panel members and the CSP lead until the deadline, answered by the
author (status, reason, reply), filtered, kept from stale overwrites; typed text stays text."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.drafts.models import DraftComment, Receipt
from portal.extensions import db
from tests.conftest import page_text
from tests.support import error_summary, once

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _base(world, key="version_id"):
    return f"/cases/{world.ids['case_id']}/drafts/versions/{world.ids[key]}"


def _comment(client, world, location="Section 2, paragraph 2.3", text="The dates do not match the chronology"):
    return client.post(f"{_base(world)}/comments/new", data={"location": location, "text": text, **once()})


def test_panel_members_and_the_csp_lead_comment_and_observers_do_not(app, world, client_for):
    assert _comment(client_for("panel"), world).status_code == 302
    assert _comment(client_for("lead"), world, text="Say more about the GP's role").status_code == 302
    assert _comment(client_for("observer"), world).status_code == 403
    assert _comment(client_for("author"), world).status_code == 403
    page = page_text(client_for("observer").get(_base(world)))
    assert "Add a comment" not in page and "The dates do not match" not in page
    table = page_text(client_for("author").get(f"{_base(world)}/comments"))
    assert "Pat Panel" in table and "The dates do not match the chronology" in table
    assert "Lee Lead" in table and "Say more about the GP's role" in table


def test_a_reader_sees_their_own_comments_only(app, world, client_for):
    _comment(client_for("lead"), world, text="Lead's own remark")
    panel_page = page_text(client_for("panel").get(_base(world)))
    assert "paragraph 4.12 misreads the chronology" in panel_page  # the panel member's, in the world
    assert "Lead's own remark" not in panel_page
    lead_page = page_text(client_for("lead").get(_base(world)))
    assert "Lead's own remark" in lead_page and "misreads the chronology" not in lead_page


def test_a_comment_needs_a_place_and_a_text(app, world, client_for):
    response = client_for("panel").post(f"{_base(world)}/comments/new", data={**once()})
    assert response.status_code == 422
    summary = error_summary(response)
    assert "Enter where in the draft" in summary and "Enter your comment" in summary


def test_the_author_filters_by_reader_and_status(app, world, client_for):
    _comment(client_for("lead"), world, text="Lead remark")
    author = client_for("author")
    lead_id, panel_id = world.users["lead"].id, world.users["panel"].id
    only_lead = page_text(author.get(f"{_base(world)}/comments?reader={lead_id}"))
    assert "Lead remark" in only_lead and "misreads the chronology" not in only_lead
    fragment = author.get(f"{_base(world)}/comments?reader={panel_id}&status=open", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert "misreads the chronology" in page_text(fragment) and "Lead remark" not in page_text(fragment)
    assert "No comments match" in page_text(author.get(f"{_base(world)}/comments?status=accepted"))


def test_the_author_answers_each_comment_and_the_reader_sees_the_answer(app, world, client_for):
    author = client_for("author")
    url = f"{_base(world)}/comments/{world.ids['comment_id']}"
    version = re.search(r'name="version"[^>]*value="(\d+)"', author.get(url).get_data(as_text=True)).group(1)
    response = author.post(url, data={"version": version, "status": "not_accepted", "reply": "See 4.13"})
    assert response.status_code == 422 and "Enter why the comment is not accepted" in error_summary(response)
    response = author.post(
        url,
        data={"version": version, "status": "not_accepted", "reason": "Matches the police IMR", "reply": "See 4.13"},
    )
    assert response.status_code == 302
    comment = db.session.get(DraftComment, world.ids["comment_id"])
    db.session.refresh(comment)
    assert (comment.status, comment.reason, comment.reply) == ("not_accepted", "Matches the police IMR", "See 4.13")
    assert comment.replied_by_id == world.users["author"].id
    panel_page = page_text(client_for("panel").get(_base(world)))
    assert "Not accepted: Matches the police IMR" in panel_page and "See 4.13" in panel_page
    response = author.post(url, data={"version": comment.row_version, "status": "addressed", "reply": "Rewritten"})
    assert response.status_code == 302
    assert "Addressed in the next version" in page_text(author.get(f"{_base(world)}/comments"))


def test_a_stale_answer_is_refused_and_keeps_what_was_typed(app, world, client_for):
    url = f"{_base(world)}/comments/{world.ids['comment_id']}"
    first, second = client_for("author"), client_for("bo")
    version = re.search(r'name="version"[^>]*value="(\d+)"', first.get(url).get_data(as_text=True)).group(1)
    assert first.post(url, data={"version": version, "status": "accepted", "reply": "Agreed"}).status_code == 302
    response = second.post(url, data={"version": version, "status": "addressed", "reply": "Mine"})
    assert response.status_code == 422
    assert "changed by someone else" in error_summary(response)
    assert "Mine" in response.get_data(as_text=True)
    comment = db.session.get(DraftComment, world.ids["comment_id"])
    db.session.refresh(comment)
    assert (comment.status, comment.reply) == ("accepted", "Agreed")


def test_comments_close_at_the_end_of_the_deadline_day(app, world, client_for, clock):
    clock.advance(days=10, hours=10)  # 12 March, the deadline: still open
    assert _comment(client_for("panel"), world).status_code == 302
    clock.advance(days=1)
    response = _comment(client_for("panel"), world, text="Too late")
    assert response.status_code == 422 and "closed on 12 March 2026" in error_summary(response)
    assert not db.session.scalar(select(DraftComment).where(DraftComment.text == "Too late"))
    page = page_text(client_for("panel").get(_base(world)))
    assert "Comments on this draft closed on 12 March 2026" in page and "Add a comment" not in page
    nfc = client_for("lead").post(f"{_base(world)}/no-further-comments")
    assert nfc.status_code == 422


def test_no_further_comments_is_a_response(app, world, client_for):
    assert client_for("lead").post(f"{_base(world)}/no-further-comments").status_code == 302
    receipt = db.session.scalar(
        select(Receipt).where(Receipt.reader_id == world.users["lead"].id).order_by(Receipt.id.desc())
    )
    assert receipt.no_further_comments_at is not None
    tracker = page_text(client_for("author").get(f"{_base(world)}/tracker"))
    assert "Lee Lead CSP lead Not downloaded Not downloaded 0 No further comments" in tracker
    assert "Pat Panel Panel member Not downloaded Not downloaded 1 Commented" in tracker


def test_typed_text_is_shown_as_text_everywhere(app, world, client_for):
    assert _comment(client_for("panel"), world, location=XSS, text=XSS).status_code == 302
    comment = db.session.scalar(select(DraftComment).where(DraftComment.location == XSS))
    author = client_for("author")
    url = f"{_base(world)}/comments/{comment.id}"
    author.post(url, data={"version": comment.row_version, "status": "not_accepted", "reason": XSS, "reply": XSS})
    pages = [
        author.get(f"{_base(world)}/comments"),
        author.get(url),
        client_for("panel").get(_base(world)),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert" in html
