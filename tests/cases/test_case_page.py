"""The case page: summary, timeline, clocks, CRG updates and the moves as htmx forms."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.cases.models import Case, CrgUpdate, StageHistory
from portal.extensions import db
from tests.conftest import page_text
from tests.support import once

from .conftest import date_parts, fresh

HTMX = {"HX-Request": "true"}


def test_page_and_fragment_come_from_the_same_route(app, make_case, bo_client):
    case = make_case(pseudonym="Adult T", death_on=date(2024, 12, 20))
    page = bo_client.get(f"/cases/{case.id}")
    fragment = bo_client.get(f"/cases/{case.id}", headers=HTMX)
    assert page.status_code == fragment.status_code == 200
    assert "<html" in page.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)
    assert 'id="case-body"' in page.get_data(as_text=True) and 'id="case-body"' in fragment.get_data(as_text=True)
    text = page_text(page)
    assert "Adult T" in text and "20 December 2024" in text and "OFFICIAL-SENSITIVE" in text
    assert "Key facts" in text and "Timeline" in text and "Clocks" in text and "CRG updates" in text


def test_case_page_shows_the_timeline_and_overdue_clocks(app, make_case, bo_client):
    case = make_case(
        stage="in_review",
        csp_notified_on=date(2024, 1, 8),
        stage_entered_on=date(2024, 1, 8),
        decision_on=date(2024, 2, 12),
        decision_outcome="conduct",
        home_office_informed_on=date(2024, 2, 20),
    )
    db.session.add(
        StageHistory(
            case_id=case.id,
            kind="move",
            move="author_agreed",
            from_stage="commissioning",
            to_stage="in_review",
            occurred_on=date(2024, 5, 1),
        )
    )
    db.session.commit()
    response = bo_client.get(f"/cases/{case.id}")
    html = response.get_data(as_text=True)
    assert "<svg" in html and "app-timeline__stage--in_review" in html
    assert "app-timeline__clock--overdue" in html  # completion was due 12 August 2024
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]  # CSP: no inline styles
    # The task list's stage tags (portal/cases/presenters.py): referral done, the current stage overdue.
    # The task list's stage tags (portal/cases/presenters.py): the current stage overdue, later ones not started.
    status = r'id="stages-\d+-status">\s*<strong class="govuk-tag govuk-tag--{}">\s*{}'
    assert re.search(status.format("red", "Overdue"), html) and re.search(status.format("grey", "Not started"), html)
    text = page_text(response)
    assert "Review completed and sent to the Home Office" in text and "12 August 2024" in text and "Overdue" in text
    assert "Decision whether to hold a review" in text and "Met late" in text


def test_business_office_moves_a_case_through_the_htmx_form(app, make_case, bo_client):
    case = make_case(csp_notified_on=date(2026, 2, 2))
    form = bo_client.get(f"/cases/{case.id}/changes/decide_conduct", headers=HTMX)
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert f'hx-post="/cases/{case.id}/changes/decide_conduct"' in html
    assert f'method="post" action="/cases/{case.id}/changes/decide_conduct"' in html
    response = bo_client.post(
        f"/cases/{case.id}/changes/decide_conduct",
        data={
            **once(),
            "occurred_on": date_parts(date(2026, 2, 20)),
            "review_type": "dardr",
            "version": case.version,
            "note": "",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.headers["HX-Replace-Url"] == f"/cases/{case.id}"
    text = page_text(response)
    assert "Saved: CRG decided to hold a review" in text
    assert fresh(case).stage == "awaiting_home_office"
    assert "app-timeline__stage--awaiting_home_office" in response.get_data(as_text=True)


def test_without_javascript_a_move_redirects_to_the_case_page(app, make_case, bo_client):
    case = make_case(stage="commissioning", stage_entered_on=date(2025, 1, 1))
    response = bo_client.post(
        f"/cases/{case.id}/changes/author_agreed",
        data={**once(), "occurred_on": date_parts(date(2025, 3, 3)), "version": case.version},
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/cases/{case.id}"
    assert "Saved: Independent author agreed" in page_text(bo_client.get(f"/cases/{case.id}"))


def test_invalid_move_rerenders_the_form_with_the_error_summary(app, make_case, bo_client):
    case = make_case(stage="commissioning", stage_entered_on=date(2025, 1, 1))
    for headers in ({}, HTMX):
        response = bo_client.post(
            f"/cases/{case.id}/changes/author_agreed",
            data={**once(), "occurred_on": ["31", "2", "2025"], "version": case.version, "note": "kept text"},
            headers=headers,
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "govuk-error-summary" in html and "must be a real date" in html
        assert "kept text" in html
    assert fresh(case).stage == "commissioning"


def test_refused_move_gets_a_clear_message_and_changes_nothing(app, make_case, bo_client):
    case = make_case(stage="referral")
    response = bo_client.post(
        f"/cases/{case.id}/outcomes/sign_off",
        data={**once(), "occurred_on": date_parts(date(2025, 3, 3)), "version": case.version},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "You cannot record \u2018CRG signed off the report\u2019" in page_text(response)
    case = fresh(case)
    assert case.stage == "referral" and case.signed_off_on is None


def test_outcome_moves_only_under_the_outcomes_url(app, make_case, bo_client):
    case = make_case(stage="in_review")
    assert bo_client.get(f"/cases/{case.id}/changes/sign_off").status_code == 404
    assert bo_client.get(f"/cases/{case.id}/outcomes/hold").status_code == 404
    assert bo_client.get(f"/cases/{case.id}/outcomes/sign_off").status_code == 200


def test_two_officers_moving_the_same_case(app, make_case, make_user, login_as, bo_client):
    case = make_case(stage="commissioning", stage_entered_on=date(2025, 1, 1))
    other = login_as(make_user("Second Officer", system_role="business_office"))
    version = case.version
    first = other.post(
        f"/cases/{case.id}/changes/hold",
        data={
            **once(),
            "occurred_on": date_parts(date(2025, 2, 1)),
            "version": version,
            "hold_reason": "Trial",
            "hold_requested_by": "CPS",
        },
    )
    assert first.status_code == 302
    second = bo_client.post(
        f"/cases/{case.id}/changes/author_agreed",
        data={**once(), "occurred_on": date_parts(date(2025, 3, 3)), "version": version, "note": "Author Jo agreed"},
        headers=HTMX,
    )
    assert second.status_code == 422
    text = page_text(second)
    assert "changed by someone else" in text
    assert "Author Jo agreed" in second.get_data(as_text=True)  # their answer is kept
    case = fresh(case)
    assert case.stage == "commissioning" and case.on_hold


def test_posting_extra_fields_changes_nothing_else(app, make_case, bo_client):
    case = make_case(stage="commissioning", stage_entered_on=date(2025, 1, 1), csp=None)
    bo_client.post(
        f"/cases/{case.id}/changes/author_agreed",
        data={
            **once(),
            "occurred_on": date_parts(date(2025, 3, 3)),
            "version": case.version,
            "stage": "closed",
            "case_id": 999,
            "review_type": "dhr",
            "on_hold": "y",
        },
    )
    case = fresh(case)
    assert (case.stage, case.review_type, case.on_hold) == ("in_review", "dardr", False)


def test_crg_update_added_through_htmx_and_audited(app, make_case, bo_client):
    case = make_case()
    response = bo_client.post(
        f"/cases/{case.id}/updates/new",
        data={
            **once(),
            "meeting_on": date_parts(date(2025, 6, 12)),
            "text": "Expression of interest for author circulated",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "June 2025 CRG" in text and "Expression of interest for author circulated" in text
    update = db.session.execute(select(CrgUpdate)).scalar_one()
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "case.crg_update_added")).scalar_one()
    assert event.object_id == str(update.id) and "Expression" not in str(event.detail)
    empty = bo_client.post(
        f"/cases/{case.id}/updates/new", data={**once(), "meeting_on": ["", "", ""], "text": ""}, headers=HTMX
    )
    assert empty.status_code == 422 and "Enter the date of the CRG meeting" in page_text(empty)


def test_every_view_of_the_case_page_is_audited(app, make_case, bo_client):
    case = make_case()
    bo_client.get(f"/cases/{case.id}")
    bo_client.get(f"/cases/{case.id}/changes/hold", headers=HTMX)
    views = db.session.execute(select(AuditEvent).where(AuditEvent.action == "case.viewed")).scalars().all()
    assert len(views) == 2 and all(v.case_id == case.id for v in views)


def test_edit_record_with_stale_version_keeps_the_input(app, make_case, bo_client, officer):
    case = make_case(pseudonym="Adult N", review_type="dardr", stage="commissioning")
    form = {
        "review_type": "dardr",
        "pseudonym": "Adult Q",
        "csp_id": case.csp_id,
        "lead_area": "",
        "csp_notified_on": date_parts(case.csp_notified_on),
    }
    saved = bo_client.post(f"/cases/{case.id}/edit", data={**once(), **form, "version": case.version})
    assert saved.status_code == 302
    case = fresh(case)
    assert case.pseudonym == "Adult Q"
    stale = bo_client.post(
        f"/cases/{case.id}/edit", data={**once(), **form, "pseudonym": "Adult R", "version": case.version - 1}
    )
    assert stale.status_code == 422
    assert "changed by someone else" in page_text(stale) and 'value="Adult R"' in stale.get_data(as_text=True)
    assert fresh(case).pseudonym == "Adult Q"
    history = bo_client.get(f"/cases/{case.id}/history")
    assert "Adult N" in page_text(history) and "Adult Q" in page_text(history)


def test_register_a_referral(app, make_csp, bo_client):
    csp = make_csp("Harborough")
    response = bo_client.post(
        "/cases/new",
        data={
            **once(),
            "letter": "K",
            "year": "2026",
            "review_type": "undecided",
            "csp_id": csp.id,
            "pseudonym": "Adult K",
            "csp_notified_on": date_parts(date(2026, 2, 20)),
            "death_on": date_parts(date(2026, 2, 1)),
        },
    )
    assert response.status_code == 302
    case = db.session.execute(select(Case)).scalar_one()
    assert (case.reference, case.stage, case.csp_id) == ("Case K 2026", "referral", csp.id)
    text = page_text(bo_client.get(response.headers["Location"]))
    assert "Case K 2026 has been registered" in text and "Decision whether to hold a review" in text


def test_people_without_manage_case_see_no_forms(app, make_case, make_user, login_as):
    from portal.cases.models import Membership

    case = make_case()
    panel = make_user("Pat Panel")
    db.session.add(Membership(case_id=case.id, user_id=panel.id, role="panel_member"))
    db.session.commit()
    client = login_as(panel)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Record a change" not in html and "Add an update" not in html and "Change the record" not in html
    assert client.get(f"/cases/{case.id}/changes/hold").status_code == 403
