"""Template filters: dates the GOV.UK way (``portal.web.dates``)."""

from __future__ import annotations

from .dates import govuk_date, govuk_datetime


def init_app(app):
    app.add_template_filter(govuk_date, "govuk_date")
    app.add_template_filter(govuk_datetime, "govuk_datetime")
