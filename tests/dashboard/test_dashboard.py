"""The business office dashboard: counts by stage, holds, overdue clocks, Home Office waits, recent changes."""

from __future__ import annotations

from datetime import date

from portal.cases.lifecycle import apply_move
from portal.extensions import db
from tests.conftest import page_text


def test_dashboard_for_the_demo_data(app, login_as, make_user):
    from portal.demo.cli import load_demo

    load_demo()
    client = login_as(make_user("Bea Office", system_role="business_office"))
    response = client.get("/dashboard")
    assert response.status_code == 200
    text = page_text(response)
    html = response.get_data(as_text=True)
    # Counts by stage link to the register behind them.
    assert 'href="/cases?stage=commissioning&amp;hold=no">4<' in html
    assert 'href="/cases?stage=in_review&amp;hold=no">5<' in html  # U, A, B, D and Adult M
    assert 'href="/cases?hold=yes"' in html and "Nottinghamshire Coroner" in text
    # H was sent to the Home Office on 11 June 2025; the tests' today is 2 March 2026.
    assert "DHR Case H 2022 Quality assurance outcome 11 June 2025 264" in text
    # The days waited per submission and in total (H was sent before the portal kept its rounds).
    days = text.split("Days waited on the Home Office", 1)[1].split("On hold", 1)[0]
    assert "1 review with the Home Office now, the longest waiting 264 days so far." in days
    assert "DHR Case H 2022 Waiting since 11 June 2025 Submission 1: 264 days so far 264" in days
    assert "Overdue clocks" in text and "Review completed and sent to the Home Office" in text
    assert "Recently changed" in text and "DHR Case H 2022" in text


def test_waiting_days_and_overdue_are_computed_from_the_clock(app, make_case, bo_client):
    make_case(
        letter="H",
        year=2022,
        stage="with_home_office",
        review_type="dhr",
        decision_outcome="conduct",
        csp_notified_on=date(2022, 9, 5),
        decision_on=date(2022, 10, 1),
        home_office_informed_on=date(2022, 10, 20),
        sent_to_home_office_on=date(2026, 1, 1),
        stage_entered_on=date(2026, 1, 1),
    )
    make_case(letter="Z", year=2026, csp_notified_on=date(2026, 1, 20))  # decision due 20 February 2026
    text = page_text(bo_client.get("/dashboard"))
    assert "DHR Case H 2022 Quality assurance outcome 1 January 2026 60" in text  # 2 March 2026 is the test's today
    assert "Case Z 2026 Decision whether to hold a review 20 February 2026 10 days" in text


def test_recently_changed_lists_the_latest_first(app, make_case, bo_client, officer, clock):
    older = make_case(letter="O", stage="commissioning", stage_entered_on=date(2025, 1, 1))
    newer = make_case(letter="N", stage="commissioning", stage_entered_on=date(2025, 1, 1))
    apply_move(older, "author_agreed", actor=officer, occurred_on=date(2025, 2, 1))
    db.session.commit()
    clock.advance(minutes=5)
    apply_move(newer, "author_agreed", actor=officer, occurred_on=date(2025, 2, 2))
    db.session.commit()
    text = page_text(bo_client.get("/dashboard"))
    recent = text.split("Recently changed", 1)[1]
    assert recent.index("Case N 2025") < recent.index("Case O 2025")


def test_only_the_business_office(app, make_user, login_as):
    assert login_as(make_user("No Role")).get("/dashboard").status_code == 403
    assert login_as(make_user("Ada Admin", system_role="admin")).get("/dashboard").status_code == 403
