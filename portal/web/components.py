"""GOV.UK components rendered once per distinct set of parameters, then served from memory.

A GOV.UK Frontend macro is a pure function of its ``params``: the macros are imported without
the template's context (Jinja's default for ``{% from ... import %}``), so they see nothing
but what they are given. Rendering one costs far more than looking its output up (a tag in
each of 50 table rows, the header and navigation on every page, every form field through
govuk-frontend-wtf, whose ``render`` went through Flask's ``render_template`` and all its
context processors for each field). So the output is kept, keyed on the parameters
themselves: the markup is exactly what the macro writes, because the macro wrote it.

Keys keep the difference between text and ``Markup`` (the macros escape one and not the
other) and between ``True`` and ``1``; parameters holding anything else than plain data
(a form field, a callable) are rendered every time. At most ``LIMIT`` outputs are kept
(least recently used dropped first); they hold what pages show anyway, in this process's
memory only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date, datetime

from flask import current_app
from govuk_frontend_wtf.gov_form_base import GovFormBase
from markupsafe import Markup

LIBRARY_RENDER = GovFormBase.render  # what widget_render replaces (the tests compare the two)
LIMIT = 4096
_LARGEST = 64 * 1024  # an output bigger than this (a long select) is not worth keeping
_MACROS = {
    "govukTag": "govuk_frontend_jinja/components/tag/macro.html",
    "govukGenericHeader": "govuk_frontend_jinja/components/generic-header/macro.html",
    "govukServiceNavigation": "govuk_frontend_jinja/components/service-navigation/macro.html",
    "govukPhaseBanner": "govuk_frontend_jinja/components/phase-banner/macro.html",
    "govukPagination": "govuk_frontend_jinja/components/pagination/macro.html",
}


class Unkeyable(Exception):
    pass


def freeze(value):
    """A hashable key that tells apart everything the macros tell apart."""
    if isinstance(value, Markup):
        return ("markup", str(value))
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool | int | float):
        return (type(value).__name__, value)
    if isinstance(value, dict):
        return ("dict", tuple((freeze(k), freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(freeze(item) for item in value))
    if isinstance(value, date | datetime):
        return (type(value).__name__, value.isoformat())
    raise Unkeyable(type(value).__name__)


class Kept:
    def __init__(self, limit: int = LIMIT):
        self.limit = limit
        self.outputs: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get_or_render(self, key, render):
        with self.lock:
            found = self.outputs.get(key)
            if found is not None:
                self.outputs.move_to_end(key)
                return found
        output = render()
        if len(output) <= _LARGEST:
            with self.lock:
                self.outputs[key] = output
                while len(self.outputs) > self.limit:
                    self.outputs.popitem(last=False)
        return output


_KEPT = Kept()


def render_kept(kind: str, name: str, params, render):
    try:
        key = (kind, name, freeze(params))
    except Unkeyable:
        return render()
    return _KEPT.get_or_render(key, render)


def component(name: str, params: dict) -> Markup:
    """``{{ component("govukTag", {...}) }}``: what ``{{ govukTag({...}) }}`` writes."""

    def render():
        macro = getattr(current_app.jinja_env.get_template(_MACROS[name]).module, name)
        return Markup(macro(params))  # noqa: S704 - the macro's own output (it escapes what it is given)

    return render_kept("macro", name, params, render)


# Never kept: what a person types into these stays out of any cache.
_NOT_KEPT = {"govuk_frontend_wtf/password.html"}


def widget_render(widget, params) -> Markup:
    """In place of govuk-frontend-wtf's ``GovFormBase.render`` (the same template, the same
    ``params``; no context processors: its templates use nothing else)."""

    def render():
        template = current_app.jinja_env.get_template(widget.template)
        return Markup(template.render(params=params))  # noqa: S704 - an autoescaped template's output, as the library's

    if widget.template in _NOT_KEPT:
        return render()
    return render_kept("widget", widget.template, params, render)


def init_app(app) -> None:
    GovFormBase.render = widget_render
    app.add_template_global(component)
