"""Helpers shared by every form: the GOV.UK error summary list, and "has this form failed?"."""

from __future__ import annotations


def has_errors(form) -> bool:
    # Read the fields rather than ``form.errors``: WTForms caches that dict, and routes add
    # messages (from services) after validation.
    return bool(getattr(form, "form_errors", None)) or any(field.errors for field in form)


def error_list(form) -> list[dict]:
    """Items for govukErrorSummary, each linking to the field it is about."""
    fields = [field for field in form if field.type not in {"CSRFTokenField", "SubmitField", "HiddenField"}]
    items = []
    for message in getattr(form, "form_errors", []) or []:
        items.append({"text": message, "href": f"#{fields[0].id}" if fields else "#main-content"})
    for field in form:
        if field.errors and field.type != "CSRFTokenField":
            message = field.errors[0]
            if isinstance(message, dict):  # FormField / FieldList: link to the first sub-error
                message = next(iter(message.values()))[0]
            # Date inputs are three boxes: the summary links to the first.
            anchor = f"{field.id}-day" if field.type == "GovDateField" else field.id
            items.append({"text": message, "href": f"#{anchor}"})
        elif field.errors:
            items.append({"text": "The form expired. Try again.", "href": "#main-content"})
    return items


def init_app(app):
    app.add_template_global(error_list)
    app.add_template_global(has_errors)
