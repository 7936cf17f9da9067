"""How every portal form renders valid HTML through the GOV.UK macros (used by ``forms.PortalForm``).

Three things would otherwise make pages invalid (the Nu HTML checker test proves them gone):
- every form's hidden CSRF field had the id ``csrf_token``, so a page with two forms (the header's
  sign-out and the page's own) repeated it. The field needs no id: nothing labels or links to it.
- attributes given in ``render_kw`` (``autocomplete``, ``class``, ``inputmode``...) went to the
  macro's raw ``attributes`` while the macro writes its own: the password input always writes
  ``autocomplete`` and every input writes ``class``, so both came out twice. They are handed to
  the macro as its own parameters instead, which it writes once.
- a select with ``required`` must start with an empty-valued option, but our placeholders
  ("Select a person") carry the integer ``0`` the field coerces to; such a select is not marked
  ``required`` (the forms are ``novalidate`` anyway: the server's GOV.UK messages do the telling).
"""

from __future__ import annotations

from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import GovSelect

# render_kw name -> the GOV.UK macro parameter that writes it
MACRO_PARAMS = {"autocomplete": "autocomplete", "inputmode": "inputmode", "autocapitalize": "autocapitalize"}
# An attribute the macro must leave out entirely (govukAttributes' "optional" form).
OMITTED = {"value": False, "optional": True}


def govuk_kwargs(field, kwargs: dict) -> dict:
    """``kwargs`` for a GOV.UK widget with the attributes its macro writes moved into ``params``."""
    kwargs = dict(kwargs)
    params = dict(kwargs.pop("params", None) or {})
    for name, param in MACRO_PARAMS.items():
        if name in kwargs:
            value = kwargs.pop(name)
            params.setdefault(param, value)
    if "spellcheck" in kwargs:
        value = kwargs.pop("spellcheck")
        params.setdefault("spellcheck", value if isinstance(value, bool) else str(value).lower() == "true")
    if "class" in kwargs:
        params["classes"] = " ".join(part for part in (params.get("classes"), kwargs.pop("class")) if part)
    if isinstance(field.widget, GovSelect) and "required" not in kwargs:
        first = next(iter(field.iter_choices()), None)
        if first is not None and first[0] not in ("", None):
            kwargs["required"] = OMITTED
    if params:
        kwargs["params"] = params
    return kwargs


def render_field(field, render_kw: dict):
    """How ``PortalForm`` renders a field: the CSRF field without an id, GOV.UK attributes once."""
    kwargs = dict(field.render_kw or {}, **render_kw)
    if field.type == "CSRFTokenField":
        kwargs.setdefault("id", False)  # WTForms leaves out an attribute whose value is False
    elif isinstance(field.widget, GovFormBase):
        kwargs = govuk_kwargs(field, kwargs)
    return field.widget(field, **kwargs)
