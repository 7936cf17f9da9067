"""GOV.UK components kept per distinct parameters (portal/web/components.py) write exactly what the
macros write: compared with the macro called in a template, as the templates did before, and with
govuk-frontend-wtf's own ``render`` (Flask's ``render_template``) for form fields."""

from __future__ import annotations

import pytest
from flask import render_template_string
from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovRadioInput, GovSelect, GovTextInput
from markupsafe import Markup
from wtforms import DateField, RadioField, SelectField, StringField

from portal.web import components
from portal.web.fields import options
from portal.web.forms import PortalForm

CASES = [
    ("govukTag", {"text": "Overdue", "classes": "govuk-tag--red"}),
    ("govukTag", {"text": "<b>typed</b>"}),
    ("govukTag", {"html": Markup("<b>bold</b>")}),
    ("govukTag", {"text": "x", "attributes": {"id": "t1", "data-x": True}}),
    ("govukPhaseBanner", {"tag": {"text": "Beta"}, "text": "This is a new service."}),
    ("govukGenericHeader", {"logoText": "Safeguarding Partnerships", "url": "/"}),
    (
        "govukServiceNavigation",
        {
            "serviceName": "Portal",
            "serviceUrl": "/",
            "navigation": [{"href": "/home", "text": "Home", "active": True, "current": True}],
            "navigationLabel": "Menu",
        },
    ),
    (
        "govukPagination",
        {
            "previous": {"href": "?page=1"},
            "next": {"href": "?page=3"},
            "items": [{"number": 2, "href": "?page=2", "current": True}],
        },
    ),
]


@pytest.mark.parametrize(("name", "params"), CASES)
def test_a_kept_component_is_what_the_macro_writes(app, name, params):
    with app.test_request_context():
        direct = render_template_string(
            f'{{% from "{components._MACROS[name]}" import {name} %}}{{{{ {name}(params) }}}}', params=params
        )
        assert components.component(name, params) == direct
        assert components.component(name, params) == direct  # from memory


def test_text_and_markup_and_true_and_one_are_told_apart():
    assert components.freeze({"text": "<b>"}) != components.freeze({"text": Markup("<b>")})
    assert components.freeze({"x": True}) != components.freeze({"x": 1})
    with pytest.raises(components.Unkeyable):
        components.freeze({"x": object()})


class Form(PortalForm):
    name = StringField("Name", widget=GovTextInput())
    stage = SelectField("Stage", choices=options([("", "Any"), ("referral", "Referral")]), widget=GovSelect())
    kind = RadioField("Kind", choices=options([("dhr", "DHR"), ("dardr", "DARDR")]), widget=GovRadioInput())
    day = DateField("Day", widget=GovDateInput())


def test_form_fields_are_what_govuk_frontend_wtf_writes(app, monkeypatch):
    with app.test_request_context("/?name=%3Cscript%3E&stage=referral&kind=dhr&day=1&day=2&day=2025"):
        from flask import request

        form = Form(request.args, meta={"csrf": False})
        form.validate()
        fields = (form.name, form.stage, form.kind, form.day)
        assert GovFormBase.render is components.widget_render
        kept = [str(field()) for field in fields]
        again = [str(field()) for field in fields]  # from memory
        monkeypatch.setattr(GovFormBase, "render", components.LIBRARY_RENDER)
        library = [str(field()) for field in fields]
    assert kept == again == library
    assert "&lt;script&gt;" in kept[0] and 'value="referral" selected' in kept[1]
