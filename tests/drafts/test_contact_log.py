"""The family and perpetrator contact log: the author's and the business office's only, each
entry with its own history, stale edits refused, typed text inert."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.drafts.models import ContactChange, ContactEntry
from portal.extensions import db
from tests.conftest import page_text
from tests.support import error_summary, once

from .helpers import parts

XSS = "<script>alert(1)</script>"


def _entry_data(**overrides):
    data = {
        "party": "family",
        "contact_on": ["12", "2", "2026"],
        "who": "Victim's mother",
        "method": "in_person",
        "advocate": "AAFDA advocate",
        "discussed": "The draft and the choice of pseudonym",
        "views": "Wants the review to say the GP missed the signs",
        "offered_report": "yes",
        "offered_on": ["12", "2", "2026"],
    }
    data.update(overrides)
    return data


def _log(world):
    return f"/cases/{world.ids['case_id']}/contact-log"


def test_the_author_records_a_contact_and_sees_it_in_the_log(app, world, client_for):
    author = client_for("author")
    response = author.post(f"{_log(world)}/new", data={**_entry_data(), **once()})
    assert response.status_code == 302
    entry_page = page_text(author.get(response.headers["Location"]))
    assert "Contact with the family on 12 February 2026" in entry_page
    assert "Wants the review to say the GP missed the signs" in entry_page
    assert "Yes, 12 February 2026" in entry_page
    log = page_text(author.get(_log(world)))
    assert "12 February 2026 Family Victim's mother In person Yes, 12 February 2026" in log


def test_a_contact_needs_its_facts(app, world, client_for):
    response = client_for("bo").post(f"{_log(world)}/new", data={**once()})
    assert response.status_code == 422
    summary = error_summary(response)
    for message in ("Select who the contact was with", "Enter the date of the contact", "Enter who took part"):
        assert message in summary


def test_each_change_is_kept_in_the_entry_history(app, world, client_for):
    author = client_for("author")
    url = f"{_log(world)}/{world.ids['entry_id']}/edit"
    version = re.search(r'name="version"[^>]*value="(\d+)"', author.get(url).get_data(as_text=True)).group(1)
    data = _entry_data(version=version, method="video", views="Now content with the terms of reference")
    assert author.post(url, data=data).status_code == 302
    changes = db.session.scalars(
        select(ContactChange).where(ContactChange.entry_id == world.ids["entry_id"]).order_by(ContactChange.id)
    ).all()
    by_field = {change.field: (change.old_value, change.new_value) for change in changes}
    assert by_field["method"] == ("Telephone", "Video call")
    assert by_field["views"][1] == "Now content with the terms of reference"
    assert by_field["who"] == ("Victim's sister", "Victim's mother")
    history = page_text(author.get(f"{_log(world)}/{world.ids['entry_id']}"))
    assert "History of this entry" in history and "Anna Author How Telephone Video call" in history


def test_a_stale_edit_is_refused(app, world, client_for):
    url = f"{_log(world)}/{world.ids['entry_id']}/edit"
    author, office = client_for("author"), client_for("bo")
    version = re.search(r'name="version"[^>]*value="(\d+)"', author.get(url).get_data(as_text=True)).group(1)
    assert author.post(url, data=_entry_data(version=version, who="Victim's father")).status_code == 302
    response = office.post(url, data=_entry_data(version=version, who="Victim's brother"))
    assert response.status_code == 422 and "changed by someone else" in error_summary(response)
    assert "Victim&#39;s brother" in response.get_data(as_text=True)  # what they typed is kept
    entry = db.session.get(ContactEntry, world.ids["entry_id"])
    db.session.refresh(entry)
    assert entry.who == "Victim's father"


@pytest.mark.parametrize(
    "principal,status",
    [("panel", 403), ("observer", 403), ("lead", 403), ("contact", 403), ("lead_other", 404), ("none", 404)],
)
def test_the_log_is_invisible_to_everyone_else(app, world, client_for, principal, status):
    client = client_for(principal)
    entry = f"{_log(world)}/{world.ids['entry_id']}"
    for url in (_log(world), entry, f"{entry}/edit", f"{_log(world)}/new"):
        response = client.get(url)
        assert response.status_code == status, url
        assert "the family want the pseudonym" not in response.get_data(as_text=True)
    assert client.post(f"{_log(world)}/new", data={**_entry_data(), **once()}).status_code == status
    # Nor does the case page or the drafts page link to it.
    for url in (f"/cases/{world.ids['case_id']}", f"/cases/{world.ids['case_id']}/drafts"):
        assert "contact-log" not in client.get(url).get_data(as_text=True)


def test_typed_text_in_the_log_is_inert(app, world, client_for):
    author = client_for("author")
    response = author.post(
        f"{_log(world)}/new", data={**_entry_data(who=XSS, advocate=XSS, discussed=XSS, views=XSS), **once()}
    )
    assert response.status_code == 302
    for url in (response.headers["Location"], _log(world), response.headers["Location"] + "/edit"):
        html = author.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_offered_on_goes_when_the_report_was_not_offered(app, world, client_for):
    author = client_for("author")
    response = author.post(
        f"{_log(world)}/new",
        data={**_entry_data(offered_report="no", offered_on=parts(world.case_a.death_on)), **once()},
    )
    assert response.status_code == 302
    entry = db.session.scalar(select(ContactEntry).order_by(ContactEntry.id.desc()))
    assert entry.offered_report is False and entry.offered_on is None
