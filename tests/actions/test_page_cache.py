"""The action plans' pages in the page cache (portal/web/page_cache.py): each is served again while
nothing it shows has changed, a change made through the area's own forms shows at once, the views
are recorded in the audit trail on every hit, and a kept page's one-time form tokens are new on
every response (two copies of a page never share one)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.actions.models import ActionNote, PlanAction, Recommendation
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.web import page_cache
from tests.conftest import page_text
from tests.support import error_summary, submission_token
from tests.support import kept_hits as hits

from .conftest import action_url

HTMX = {"HX-Request": "true"}


def signed_in(client):
    """Past the first page after signing in, which sets the session's CSRF token (a response that
    sets a cookie is never kept)."""
    assert client.get("/account").status_code == 200
    return client


def served_again(app, client, url: str, headers=None):
    """The page, asked for twice: the second time from the cache, the same page."""
    first = client.get(url, headers=headers or {})
    assert first.status_code == 200, url
    before = hits(app)
    second = client.get(url, headers=headers or {})
    assert second.status_code == 200, url
    assert hits(app) == before + 1, f"{url} was not served from the page cache"
    assert page_text(second) == page_text(first)
    return second


def _plan(world) -> str:
    return f"/cases/{world.ids['case_id']}/action-plan"


def _action(world) -> PlanAction:
    db.session.expire_all()
    return db.session.get(PlanAction, world.ids["action_id"])


def test_every_actions_page_is_served_again(app, world, client_for):
    owner, contact, lead, office, author = (
        signed_in(client_for(p)) for p in ("owner", "contact", "lead", "bo", "author")
    )
    rec = db.session.scalar(select(Recommendation).where(Recommendation.case_id == world.ids["case_id"]))
    pages = [
        (author, _plan(world)),
        (office, _plan(world)),
        (author, f"{_plan(world)}/history"),
        (owner, action_url(world)),
        (owner, action_url(world) + "?from=my-actions"),
        (contact, action_url(world)),
        (lead, action_url(world)),
        (office, action_url(world)),
        (owner, "/my-actions"),
        (contact, "/my-actions"),
        (office, "/action-tracker"),
        (lead, "/action-tracker"),
        (office, "/action-tracker?year=2024"),
        (office, "/action-tracker/repeated-learning"),
        (lead, "/action-tracker/repeated-learning"),
        (office, "/action-themes"),
        (author, f"{_plan(world)}/recommendations/new"),
        (author, f"{_plan(world)}/recommendations/{rec.id}/edit"),
        (author, f"{_plan(world)}/recommendations/{rec.id}/actions/new"),
        (author, action_url(world, suffix="/edit")),
        (author, f"{_plan(world)}/import"),
    ]
    for client, url in pages:
        served_again(app, client, url)
    # The tracker's htmx fragment is kept apart from its page.
    fragment = served_again(app, office, "/action-tracker?year=2024", HTMX)
    assert not fragment.get_data(as_text=True).lstrip().startswith("<!DOCTYPE")
    assert (
        served_again(app, owner, action_url(world), HTMX)
        .get_data(as_text=True)
        .lstrip()
        .startswith('<div id="action-body">')
    )


def test_the_owners_progress_shows_at_once_everywhere(app, world, client_for):
    owner, lead, office = (signed_in(client_for(p)) for p in ("owner", "lead", "bo"))
    for client, url in ((owner, action_url(world)), (owner, "/my-actions"), (office, _plan(world))):
        served_again(app, client, url)
    served_again(app, office, "/action-tracker")
    before = page_text(office.get("/action-tracker"))

    # A progress note, sent from the kept page with the token it carried.
    page = owner.get(action_url(world))
    response = owner.post(
        action_url(world, suffix="/notes"),
        data={
            "note-noted_on": ["20", "2", "2026"],
            "note-note": "Two sessions held",
            "note-submission": submission_token(page, "note"),
        },
    )
    assert response.status_code == 302, error_summary(response)
    owner.get(action_url(world))  # the flash
    assert "Two sessions held" in page_text(owner.get(action_url(world)))

    # Marked complete: the owner's pages, the plan, the tracker and the lead's page all say so.
    response = owner.post(
        action_url(world, suffix="/status"),
        data={
            "status-version": str(_action(world).version),
            "status-status": "awaiting_confirmation",
            "status-completed_on": ["27", "2", "2026"],
            "status-outcome": "All trained",
        },
        headers=HTMX,
    )
    assert response.status_code == 200 and "Status saved." in response.get_data(as_text=True)
    assert "Complete - awaiting confirmation" in page_text(owner.get(action_url(world)))
    assert "Complete - awaiting confirmation" in page_text(owner.get("/my-actions"))
    assert "Complete - awaiting confirmation" in page_text(office.get(_plan(world)))
    lead_page = page_text(lead.get(action_url(world)))
    assert "Confirm or return" in lead_page and "All trained" in lead_page

    # Confirmed by the CSP lead: the tracker counts it at once, the owner can no longer update it.
    response = lead.post(action_url(world, suffix="/confirm"), data={"confirm-version": str(_action(world).version)})
    assert response.status_code == 302
    lead.get(action_url(world))  # the flash
    assert "Confirm or return" not in page_text(lead.get(action_url(world)))
    owner_page = page_text(owner.get(action_url(world)))
    assert "Confirmed complete" in owner_page or "Confirmed" in owner_page
    assert "Update the status" not in owner_page
    assert page_text(office.get("/action-tracker")) != before


def test_a_plan_edit_shows_at_once(app, world, client_for):
    author, owner = signed_in(client_for("author")), signed_in(client_for("owner"))
    rec = db.session.get(Recommendation, _action(world).recommendation_id)  # the owner's action answers it
    served_again(app, author, _plan(world))
    served_again(app, author, f"{_plan(world)}/history")
    served_again(app, owner, action_url(world))
    edit_url = f"{_plan(world)}/recommendations/{rec.id}/edit"
    form = served_again(app, author, edit_url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"|name="version" value="(\d+)"', form)
    response = author.post(
        edit_url,
        data={
            "version": next(v for v in version.groups() if v),
            "number": str(rec.number),
            "text": "Train every front-line officer in DASH",
            "source": "overview",
            "scope": "local",
            "source_agency_id": "0",
        },
    )
    assert response.status_code == 302, error_summary(response)
    author.get(_plan(world))  # the flash
    assert "Train every front-line officer in DASH" in page_text(author.get(_plan(world)))
    assert "Train every front-line officer in DASH" in page_text(author.get(f"{_plan(world)}/history"))
    assert "Train every front-line officer in DASH" in page_text(owner.get(action_url(world)))
    # The edit form itself shows the new version and text.
    assert "Train every front-line officer in DASH" in author.get(edit_url).get_data(as_text=True)


def _viewed(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_the_audited_views_are_recorded_on_every_hit(app, world, client_for):
    office, owner = signed_in(client_for("bo")), signed_in(client_for("owner"))
    for client, url, action in (
        (office, _plan(world), "actions.plan_viewed"),
        (office, f"{_plan(world)}/history", "actions.plan_history_viewed"),
        (owner, action_url(world), "actions.action_viewed"),
    ):
        client.get(url)
        before, kept = _viewed(action), hits(app)
        client.get(url)
        client.get(url)
        assert hits(app) == kept + 2
        assert _viewed(action) == before + 2, action


def test_each_copy_of_a_kept_page_carries_its_own_one_time_token(app, world, client_for):
    """Two tabs given the same kept page: each form is saved (one token would make the second
    "sent twice", and lose its note)."""
    owner = signed_in(client_for("owner"))
    first = owner.get(action_url(world))
    before = hits(app)
    second = owner.get(action_url(world))
    assert hits(app) == before + 1
    tokens = submission_token(first, "note"), submission_token(second, "note")
    assert tokens[0] != tokens[1]
    assert page_cache.TOKEN_PLACEHOLDER not in first.get_data(as_text=True) + second.get_data(as_text=True)
    for token, text in zip(tokens, ("From the first tab", "From the second tab"), strict=True):
        response = owner.post(
            action_url(world, suffix="/notes"),
            data={"note-noted_on": ["20", "2", "2026"], "note-note": text, "note-submission": token},
        )
        assert response.status_code == 302, error_summary(response)
    notes = db.session.scalars(select(ActionNote.text).where(ActionNote.action_id == world.ids["action_id"])).all()
    assert sorted(notes) == ["From the first tab", "From the second tab"]
