from tests.conftest import page_text


def test_admin_signs_in_and_sees_their_name_and_organisation(app, make_user, login_as):
    admin = make_user("Ada Admin", system_role="admin")
    client = login_as(admin)
    response = client.get("/home")
    assert response.status_code == 200
    text = page_text(response)
    assert "Ada Admin" in text and admin.organisation.name in text
    assert "OFFICIAL-SENSITIVE" in text
