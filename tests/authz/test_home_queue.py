"""Each person's home page lists the reviews they can open, and why, and nothing else."""

from tests.conftest import page_text


def test_members_see_their_reviews_with_their_role(app, world, client_for):
    text = page_text(client_for("author").get("/home"))
    assert "Your reviews" in text and "DHR Case A 2024 Independent author" in text
    assert "Case B" not in text


def test_agency_contacts_and_csp_leads_see_why(app, world, client_for):
    assert "DHR Case A 2024 Agency contact for Test Police" in page_text(client_for("contact").get("/home"))
    assert "DHR Case A 2024 CSP lead" in page_text(client_for("lead").get("/home"))


def test_expired_and_unrelated_people_see_no_reviews(app, world, client_for):
    for principal in ("expired", "none"):
        text = page_text(client_for(principal).get("/home"))
        assert "You are not part of any review" in text and "Case A" not in text, principal


def test_business_office_starts_from_the_dashboard(app, world, client_for):
    response = client_for("bo").get("/home")
    assert 'href="/dashboard"' in response.get_data(as_text=True)


def test_action_owners_see_the_review_of_their_action_and_the_action(app, world, client_for):
    text = page_text(client_for("owner").get("/home"))
    assert "DHR Case A 2024 Owner of actions on this review" in text
    assert "Deliver DASH training to front-line officers" in text and "Audit housing referrals" not in text
    assert "Case B" not in text
