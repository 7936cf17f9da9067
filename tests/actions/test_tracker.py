"""The cross-review tracker's figures on a known data set, its scope, its CSV, and constant query counts."""

from __future__ import annotations

import csv
import io
from datetime import date

from portal.actions.models import PlanAction, Recommendation, Theme
from portal.cases.models import Case, CaseAgency
from portal.extensions import db
from portal.web.sqlcount import statements_counted
from tests.conftest import page_text
from tests.support import forget_kept_pages


def _known_set(world):
    """Case A: the owner's overdue action (police, theme Risk assessment) and an NHS action due in June
    (theme Housing); case B (CSP Two): an NHS action confirmed complete."""
    housing = Theme(name="Housing")
    db.session.add(housing)
    db.session.get(Recommendation, world.ids["other_recommendation_id"]).theme_list = [housing]
    action_b = db.session.get(PlanAction, world.ids["b_action_id"])
    action_b.status = "confirmed"
    db.session.commit()
    return housing


def _case_table(text: str) -> str:
    return text[text.index("Completion by case") : text.index("Overdue actions")]


def _table(text: str, caption: str) -> str:
    start = text.index(caption)
    return text[start : start + 200]


def test_the_business_office_sees_every_review_figures(app, world, client_for):
    _known_set(world)
    text = page_text(client_for("bo").get("/action-tracker"))
    assert "1 of 3 actions confirmed complete; 1 overdue." in text
    assert (
        "Completion by theme Theme Actions Confirmed complete Per cent Overdue "
        "Housing 1 0 0% 0 Risk assessment 1 0 0% 1" in text
    )
    assert "Test NHS Trust 2 1 50% 0 Test Police 1 0 0% 1" in _table(text, "Completion by lead agency Lead")
    assert "Local 3 1 33% 1" in _table(text, "Completion by scope Scope")
    assert "DHR Case A 2024 2 0 0% 1 DHR Case B 2024 1 1 100% 0" in _table(text, "Completion by case Case")
    assert "Overdue actions" in text and "Deliver DASH training to front-line officers" in text
    # The charts say the same in their accessible text.
    body = client_for("bo").get("/action-tracker").get_data(as_text=True)
    assert "Test NHS Trust: 1 of 2 complete (50%)" in body and 'role="img"' in body


def test_a_csp_lead_sees_their_csps_reviews_and_filters_apply(app, world, client_for):
    housing = _known_set(world)
    lead = client_for("lead")
    text = page_text(lead.get("/action-tracker"))
    assert "0 of 2 actions confirmed complete" in text and "DHR Case B" not in text
    text = page_text(lead.get(f"/action-tracker?theme={housing.id}"))
    assert "0 of 1 actions confirmed complete; 0 overdue." in text
    assert "0 of 0 actions confirmed complete" in page_text(lead.get("/action-tracker?year=2019"))
    other = page_text(client_for("lead_other").get("/action-tracker"))
    assert "1 of 1 actions confirmed complete" in other and "DHR Case A" not in other
    assert "you are neither" in page_text(client_for("owner").get("/action-tracker"))


def test_the_csv_is_marked_scoped_and_audited(app, world, client_for):
    from portal.audit.models import AuditEvent

    _known_set(world)
    response = client_for("lead").get("/action-tracker/export.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["OFFICIAL-SENSITIVE"]
    assert ["DHR Case A 2024", "2", "0", "0", "1"] in rows and not any("Case B" in cell for row in rows for cell in row)
    assert db.session.query(AuditEvent).filter_by(action="actions.tracker_exported").count() == 1
    assert client_for("owner").get("/action-tracker/export.csv").status_code == 403


def _more_cases(world, count: int, start: int):
    """``count`` more reviews in CSP One, each with two recommendations and three actions, two owned by the owner."""
    police_id = db.session.get(PlanAction, world.ids["action_id"]).lead_agency_id
    theme = db.session.get(Recommendation, world.ids["recommendation_id"]).theme_list[0]
    for index in range(start, start + count):
        case = Case(letter="Z", year=2000 + index, review_type="dhr", stage="published", csp_id=world.case_a.csp_id)
        db.session.add(case)
        db.session.flush()
        db.session.add(CaseAgency(case_id=case.id, organisation_id=police_id))
        for number in (1, 2):
            rec = Recommendation(case_id=case.id, number=number, text=f"Lesson {number} of review {index}")
            rec.theme_list = [theme]
            db.session.add(rec)
            db.session.flush()
            for owner in [world.users["owner"].id, None] if number == 1 else [world.users["owner"].id]:
                db.session.add(
                    PlanAction(
                        recommendation_id=rec.id,
                        case_id=case.id,
                        text="Do it",
                        lead_agency_id=police_id,
                        owner_id=owner,
                        target_date=date(2026, 1, index % 27 + 1),
                        status="in_progress",
                    )
                )
    db.session.commit()


def _queries(client, url: str) -> int:
    client.get(url)
    forget_kept_pages()  # count the page being built, not served again
    with statements_counted() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_my_actions_and_the_tracker_run_the_same_number_of_queries_at_two_sizes(app, world, client_for):
    owner, contact, office, lead = (client_for(p) for p in ("owner", "contact", "bo", "lead"))
    urls = [
        (owner, "/my-actions"),
        (contact, "/my-actions"),
        (office, "/action-tracker"),
        (lead, "/action-tracker"),
        (owner, "/home"),
        (lead, "/home"),
    ]
    _more_cases(world, 2, 0)
    small = [_queries(client, url) for client, url in urls]
    _more_cases(world, 6, 10)
    large = [_queries(client, url) for client, url in urls]
    assert small == large
    assert "Lesson 1 of review 15" not in page_text(owner.get("/my-actions"))  # texts of actions, not recommendations
    assert page_text(owner.get("/my-actions")).count("Do it") == 8 * 3 - 8


def test_my_actions_come_fifty_to_a_page_overdue_first(app, world, client_for):
    _more_cases(world, 9, 0)  # 18 more actions
    _more_cases(world, 20, 20)  # and 40 more: 59 of the owner's in all
    owner = client_for("owner")
    first = page_text(owner.get("/my-actions"))
    assert "59 actions, 50 on this page" in first
    # Overdue first, the most overdue leading: the new actions were due in January, the owner's first on
    # 1 February, so it is the last of all.
    assert "Deliver DASH training" not in first and first.index("1 January 2026") < first.index("2 January 2026")
    second = page_text(owner.get("/my-actions?page=2"))
    assert "59 actions, 9 on this page" in second and "Deliver DASH training" in second
    assert owner.get("/my-actions?page=99").status_code == 200  # past the end: the last page


def test_the_reviews_come_fifty_to_a_page_and_the_figures_count_every_review(app, world, client_for):
    office = client_for("bo")
    _more_cases(world, 2, 0)
    small = [_queries(office, url) for url in ("/action-tracker", "/action-tracker/export.csv")]
    _more_cases(world, 55, 10)  # 59 reviews with actions in all: two pages
    large = [_queries(office, url) for url in ("/action-tracker", "/action-tracker/export.csv")]
    assert small == large
    first = page_text(office.get("/action-tracker"))
    assert "Completion by case: reviews 1 to 50 of 59" in first
    # Every action counts in the totals, not only the page's: 3 on the world's reviews, 3 a review more.
    assert "0 of 174 actions confirmed complete" in first
    # The reviews come by year: the last ones are on page 2.
    assert "DHR Case Z 2064" not in _case_table(first) and "DHR Case Z 2000" in _case_table(first)
    second = office.get("/action-tracker?page=2", headers={"HX-Request": "true"})
    text = page_text(second)
    assert "Completion by case: reviews 51 to 59 of 59" in text and "DHR Case Z 2064" in _case_table(text)
    assert second.get_data(as_text=True).lstrip().startswith('<div id="tracker-results">')
    rows = list(csv.reader(io.StringIO(office.get("/action-tracker/export.csv").get_data(as_text=True))))
    assert ["DHR Case Z 2064", "3", "0", "0", "3"] in rows and ["DHR Case Z 2000", "3", "0", "0", "3"] in rows
