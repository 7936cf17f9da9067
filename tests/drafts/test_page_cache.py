"""The drafts' pages in the page cache (portal/web/page_cache.py): each is served again, a change
made through the drafts' own forms shows at once, the views are recorded again on each hit, two
pages served again carry forms with their own one-time tokens, and a reader whose circulation or
membership has ended is not given the page kept for them before."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from portal.cases.models import Membership
from portal.clock import in_london, london_today
from portal.drafts.models import DraftComment, DraftVersion
from portal.extensions import db
from portal.web import page_cache
from tests.conftest import page_text
from tests.documents import samples
from tests.support import assert_recorded_again_on_hits, once, submission_token
from tests.support import kept_hits as hits

from .helpers import circulate, parts, upload

HTMX = {"HX-Request": "true"}


def signed_in(client):
    """Past the first page after signing in, which sets the session's cookie (never kept)."""
    assert client.get("/account").status_code == 200
    return client


def _case(world) -> str:
    return f"/cases/{world.ids['case_id']}"


def _version(world, key="version_id") -> str:
    return f"{_case(world)}/drafts/versions/{world.ids[key]}"


def _pages(world) -> dict[str, list[str]]:
    """Every kept page of the drafts, by who may see it (the author manages; readers read)."""
    case, version = _case(world), _version(world)
    comment, entry = world.ids["comment_id"], world.ids["entry_id"]
    return {
        "author": [
            f"{case}/drafts",
            version,
            _version(world, "uncirculated_id"),
            f"{version}/comments",
            f"{version}/comments?reader={world.users['panel'].id}&status=open",
            f"{version}/tracker",
            f"{version}/comments/{comment}",
            f"{case}/drafts/upload",
            f"{case}/contact-log",
            f"{case}/contact-log/{entry}",
            f"{case}/contact-log/new",
            f"{case}/contact-log/{entry}/edit",
        ],
        "panel": [f"{case}/drafts", version, _version(world, "other_id")],
        "observer": [f"{case}/drafts", version],
        "bo": [f"{case}/drafts", version, f"{version}/tracker", f"{case}/contact-log"],
    }


@pytest.mark.parametrize("principal", ["author", "panel", "observer", "bo"])
def test_each_page_is_served_again(app, world, client_for, principal):
    client = signed_in(client_for(principal))
    for url in _pages(world)[principal]:
        first = client.get(url)
        assert first.status_code == 200, url
        before = hits(app)
        again = client.get(url)
        assert again.status_code == 200 and hits(app) == before + 1, url
        assert page_text(again) == page_text(first), url


def test_fragments_are_kept_apart_from_pages(app, world, client_for):
    author = signed_in(client_for("author"))
    url = f"{_version(world)}/comments?status=open"
    page, fragment = author.get(url), author.get(url, headers=HTMX)
    before = hits(app)
    assert author.get(url, headers=HTMX).get_data(as_text=True).startswith('<div id="comments-table">')
    assert "<html" in author.get(url).get_data(as_text=True)
    assert hits(app) == before + 2
    assert "<html" in page.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ("/drafts", "draft.viewed"),
        ("/drafts/versions/{version_id}", "draft.viewed"),
        ("/drafts/versions/{version_id}/comments", "draft.viewed"),
        ("/drafts/versions/{version_id}/tracker", "draft.viewed"),
        ("/contact-log", "draft.contact_log_viewed"),
        ("/contact-log/{entry_id}", "draft.contact_log_viewed"),
    ],
)
def test_a_view_is_recorded_again_on_each_hit(app, world, client_for, path, action):
    author = signed_in(client_for("author"))
    url = _case(world) + path.format(**world.ids)
    author.get(url)
    assert_recorded_again_on_hits(app, author, url, action)


def test_an_uploaded_version_shows_at_once(app, world, client_for):
    author = signed_in(client_for("author"))
    index = f"{_case(world)}/drafts"
    author.get(index)
    author.get(index)  # kept
    assert "Draft 4" not in page_text(author.get(index))
    version_id = upload(author, world, samples.docx("The fourth draft"), "overview-4.docx", note="Fourth")
    assert "Draft 4" in page_text(author.get(index))
    page = page_text(author.get(f"{_case(world)}/drafts/versions/{world.ids['version_id']}"))
    assert "Draft 4" in page  # among the other drafts of the document
    assert db.session.get(DraftVersion, version_id).number == 4


def test_a_circulation_shows_at_once_to_the_author_and_the_readers(app, world, client_for):
    author, panel = signed_in(client_for("author")), signed_in(client_for("panel"))
    url = _version(world, "uncirculated_id")
    author.get(url)
    assert "Not circulated" in page_text(author.get(url))
    assert panel.get(url).status_code == 404
    circulate(author, world, world.ids["uncirculated_id"])
    assert "Not circulated" not in page_text(author.get(url)) and "Circulated" in page_text(author.get(url))
    assert panel.get(url).status_code == 200
    assert "Draft 3" in page_text(panel.get(f"{_case(world)}/drafts"))


def test_a_comment_shows_at_once_on_every_page_that_shows_it(app, world, client_for):
    author, panel = signed_in(client_for("author")), signed_in(client_for("panel"))
    version = _version(world)
    for url in (f"{version}/comments", f"{version}/tracker"):
        author.get(url)
        author.get(url)  # kept
    panel.get(version)
    panel.get(version)
    response = panel.post(
        f"{version}/comments/new", data={"location": "Section 7", "text": "A new remark on section 7", **once()}
    )
    assert response.status_code == 302
    panel.get(version)  # the flash, shown once
    assert "A new remark on section 7" in page_text(panel.get(version))
    assert "A new remark on section 7" in page_text(author.get(f"{version}/comments"))
    tracker = author.get(f"{version}/tracker").get_data(as_text=True)
    counts = re.findall(r'govuk-table__cell--numeric">(\d+)<', tracker)
    assert counts[0] == "2"  # the panel member's comments: the world's and this one


def test_an_answer_shows_at_once(app, world, client_for):
    author = signed_in(client_for("author"))
    comment = db.session.get(DraftComment, world.ids["comment_id"])
    url = f"{_version(world)}/comments/{comment.id}"
    author.get(url)
    author.get(url)
    response = author.post(
        url, data={"version": comment.row_version, "status": "accepted", "reason": "", "reply": "Chronology fixed"}
    )
    assert response.status_code == 302, page_text(response)
    author.get(f"{_version(world)}/comments")  # the flash
    assert "Chronology fixed" in page_text(author.get(f"{_version(world)}/comments"))
    db.session.expire_all()
    form = author.get(url).get_data(as_text=True)
    assert f'value="{db.session.get(DraftComment, comment.id).row_version}"' in form  # not the kept version


def test_a_download_shows_at_once_on_the_tracker(app, world, client_for):
    author, panel = signed_in(client_for("author")), client_for("panel")
    tracker = f"{_version(world)}/tracker"
    author.get(tracker)
    assert page_text(author.get(tracker)).count("Not downloaded") == 6  # three readers, two columns
    assert panel.get(f"{_version(world)}/download").status_code == 200
    assert page_text(author.get(tracker)).count("Not downloaded") == 4


def test_a_contact_entry_shows_at_once(app, world, client_for):
    author = signed_in(client_for("author"))
    log = f"{_case(world)}/contact-log"
    author.get(log)
    author.get(log)
    response = author.post(
        f"{log}/new",
        data={
            "party": "perpetrator",
            "contact_on": parts(london_today() - timedelta(days=2)),
            "who": "The perpetrator's probation officer",
            "method": "letter",
            "advocate": "",
            "discussed": "",
            "views": "",
            "offered_report": "no",
            "offered_on": ["", "", ""],
            **once(),
        },
    )
    assert response.status_code == 302, page_text(response)
    author.get(log)  # the flash
    assert "The perpetrator's probation officer" in page_text(author.get(log))


def test_pages_served_again_carry_their_own_one_time_tokens(app, world, client_for):
    """Two tabs of the same page, the second served from the cache: each form has its own token,
    so both comments are saved (one kept token would have the second taken for a repeat)."""
    panel = signed_in(client_for("panel"))
    version = _version(world)
    first_tab = panel.get(version)
    before = hits(app)
    second_tab = panel.get(version)
    assert hits(app) == before + 1
    first, second = submission_token(first_tab), submission_token(second_tab)
    assert first != second
    assert page_cache.TOKEN_PLACEHOLDER not in first_tab.get_data(as_text=True) + second_tab.get_data(as_text=True)
    for token, text in ((first, "From the first tab"), (second, "From the second tab")):
        response = panel.post(
            f"{version}/comments/new", data={"location": "Section 1", "text": text, "submission": token}
        )
        assert response.status_code == 302
    panel.get(version)  # the flash
    page = page_text(panel.get(version))
    assert "From the first tab" in page and "From the second tab" in page


def _ten_to_midnight(clock) -> None:
    """Ten to midnight in London: a session outlives the next twenty minutes (not a day idle)."""
    now = in_london(clock())
    midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=now.tzinfo)
    clock.advance(seconds=(midnight - now).total_seconds() - 10 * 60)


def test_a_reader_whose_circulation_has_closed_is_not_given_the_kept_page(app, world, client_for, clock):
    _ten_to_midnight(clock)
    circulation = db.session.get(DraftVersion, world.ids["version_id"]).circulation
    circulation.deadline = london_today()  # comments close at the end of today
    db.session.commit()
    panel = signed_in(client_for("panel"))
    version = _version(world)
    panel.get(version)
    assert "Add a comment" in page_text(panel.get(version))
    clock.advance(minutes=20)  # the day after the deadline, the same session
    before = hits(app)
    page = page_text(panel.get(version))
    assert hits(app) == before
    assert "Add a comment" not in page and "Comments on this draft closed" in page
    response = panel.post(f"{version}/comments/new", data={"location": "1", "text": "Too late", **once()})
    assert response.status_code in (403, 404, 422)


def test_a_panel_member_whose_membership_ends_is_not_given_the_kept_page(app, world, client_for, clock):
    _ten_to_midnight(clock)
    panel = signed_in(client_for("panel"))
    version, index = _version(world), f"{_case(world)}/drafts"
    membership = db.session.scalar(
        select(Membership).where(
            Membership.case_id == world.ids["case_id"], Membership.user_id == world.users["panel"].id
        )
    )
    membership.ends_on = london_today()  # through the ORM, as the members' page would
    db.session.commit()
    for url in (version, index):
        panel.get(url)
        before = hits(app)
        assert panel.get(url).status_code == 200  # still a member until the day is over
        assert hits(app) == before + 1
    clock.advance(minutes=20)
    assert panel.get(version).status_code == 404
    assert panel.get(index).status_code == 404
