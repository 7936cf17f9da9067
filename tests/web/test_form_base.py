"""Every form renders its fields once through the GOV.UK macros (see portal/web/form_base.py)."""

from __future__ import annotations

import re

from portal.auth.forms import SignInForm


def test_two_forms_on_a_page_repeat_no_id_and_fields_repeat_no_attribute(app):
    with app.test_request_context("/sign-in"):
        first, second = SignInForm(), SignInForm(prefix="other")
        html = str(first.csrf_token) + str(second.csrf_token)
        assert html.count('name="csrf_token"') == 1 and "id=" not in html

        password = str(first.password(params={"classes": "govuk-!-width-two-thirds"}))
        tag = re.search(r"<input[^>]*>", password).group(0)
        assert tag.count("autocomplete=") == 1 and 'autocomplete="current-password"' in tag
        assert tag.count("class=") == 1 and "govuk-!-width-two-thirds" in tag

        code = re.search(r"<input[^>]*>", str(first.code)).group(0)
        assert code.count("class=") == 1 and 'class="govuk-input govuk-input--width-5"' in code
        assert 'autocomplete="one-time-code"' in code and 'inputmode="numeric"' in code

        email = re.search(r"<input[^>]*>", str(first.email)).group(0)
        assert 'spellcheck="false"' in email and email.count("spellcheck=") == 1
