"""What every form shares: the base form, the GOV.UK error summary list, and "has this form failed?".

``PortalForm`` is the base of every form in the portal (``tests/web/test_forms.py`` checks it).
It gives each text field the one whitespace filter (``text.one_line``, or ``text.multi_line``
for text areas), so no form has to remember to strip what was typed; control characters are
already gone by then (``requests.CleanParameters``). Passwords are taken exactly as typed.
Fields render once through the GOV.UK macros, with valid HTML (``form_base.render_field``).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField

from portal.errors import FormError

from .form_base import render_field
from .text import multi_line, one_line

HIDDEN_TYPES = {"CSRFTokenField", "SubmissionField", "HiddenField", "SubmitField"}


def _text_filter(field_class):
    if issubclass(field_class, PasswordField) or not issubclass(field_class, StringField):
        return None
    return multi_line if issubclass(field_class, TextAreaField) else one_line


class PortalForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            text_filter = _text_filter(unbound_field.field_class)
            if text_filter is not None:
                options = {**options, "filters": [text_filter, *unbound_field.kwargs.get("filters", ())]}
            return super().bind_field(form, unbound_field, options)

        def render_field(self, field, render_kw):
            return render_field(field, render_kw)


def attach(form, error: FormError) -> None:
    """Show a service's refusal beside the field it names, or at the top of the form."""
    target = getattr(form, error.field, None) if error.field else None
    if target is not None and target.type not in HIDDEN_TYPES:
        target.errors = [*target.errors, str(error)]  # ``errors`` may still be the empty tuple
    else:
        form.form_errors.append(str(error))


def has_errors(form) -> bool:
    # Read the fields rather than ``form.errors``: WTForms caches that dict, and routes add
    # messages (from services) after validation.
    return bool(getattr(form, "form_errors", None)) or any(field.errors for field in form)


def error_list(form) -> list[dict]:
    """Items for govukErrorSummary, each linking to the field it is about."""
    fields = [field for field in form if field.type not in HIDDEN_TYPES]
    items = []
    for message in getattr(form, "form_errors", []) or []:
        items.append({"text": message, "href": f"#{fields[0].id}" if fields else "#main-content"})
    for field in form:
        if not field.errors:
            continue
        if field.type == "CSRFTokenField":
            items.append({"text": "The form expired. Try again.", "href": "#main-content"})
            continue
        message = field.errors[0]
        if isinstance(message, dict):  # FormField / FieldList: link to the first sub-error
            message = next(iter(message.values()))[0]
        if field.type in HIDDEN_TYPES:  # nothing to focus: the message is about the whole form
            items.append({"text": message, "href": "#main-content"})
            continue
        # Date inputs are three boxes: the summary links to the first.
        anchor = f"{field.id}-day" if field.type == "GovDateField" else field.id
        items.append({"text": message, "href": f"#{anchor}"})
    return items


def init_app(app):
    app.add_template_global(error_list)
    app.add_template_global(has_errors)
