"""What comes in with a request, cleaned in one place before any view, form or query sees it.

- Every query parameter and form value loses its control characters (``text.clean``): a NUL
  typed into the register search or a CRG update no longer reaches PostgreSQL, and a vertical
  tab no longer reaches the Word file. Files are left alone (``portal.documents`` checks them).
"""

from __future__ import annotations

from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from .text import clean


class CleanMultiDict(ImmutableMultiDict):
    """Query and form values with control characters removed (uploaded files pass through)."""

    def __init__(self, mapping=None):
        pairs = MultiDict(mapping).items(multi=True)
        super().__init__([(key, clean(value) if isinstance(value, str) else value) for key, value in pairs])


class CleanParameters:
    """Mixed into the app's request class (``init_app``): its args and form are ``CleanMultiDict``."""

    parameter_storage_class = CleanMultiDict


def init_app(app) -> None:
    """The request class extends the one already installed (htmx-flask's, which adds ``request.htmx``)."""
    app.request_class = type("PortalRequest", (CleanParameters, app.request_class), {})
