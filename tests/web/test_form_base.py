"""Every form renders its fields once through the GOV.UK macros (see portal/web/form_base.py)."""

from __future__ import annotations

import importlib
import pkgutil
import re

from flask_wtf import FlaskForm

import portal
from portal.auth.forms import SignInForm
from portal.web.form_base import PortalForm


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def test_every_portal_form_derives_from_portal_form(app):
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        importlib.import_module(module.name)
    forms = [cls for cls in all_subclasses(FlaskForm) if cls.__module__.startswith("portal.")]
    assert len(forms) > 10
    strays = [f"{cls.__module__}.{cls.__name__}" for cls in forms if not issubclass(cls, PortalForm)]
    assert not strays, f"forms that would render invalid HTML (derive them from PortalForm): {strays}"


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
