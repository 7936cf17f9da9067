"""What comes in with a request, cleaned in one place before any view, form or query sees it.

- Every query parameter and form value loses its control characters (``text.clean``): a NUL
  typed into the register search or a CRG update no longer reaches PostgreSQL, and a vertical
  tab no longer reaches the Word file. Files are left alone (``portal.documents`` checks them).
- Every ``<int:...>`` in a route matches only ASCII digits within the database's integer
  range, so ``/cases/2147483648`` is a plain 404 instead of an overflow in the query.
- ``int_arg`` reads an integer query parameter the same way: anything else is ``None``.
"""

from __future__ import annotations

import re

from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter

from .text import clean

# The largest value of an INTEGER column (PostgreSQL's int4; SQLite's limit is larger).
DB_INT_MAX = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


class CleanMultiDict(ImmutableMultiDict):
    """Query and form values with control characters removed (uploaded files pass through)."""

    def __init__(self, mapping=None):
        pairs = MultiDict(mapping).items(multi=True)
        super().__init__([(key, clean(value) if isinstance(value, str) else value) for key, value in pairs])


class CleanParameters:
    """Mixed into the app's request class (``init_app``): its args and form are ``CleanMultiDict``."""

    parameter_storage_class = CleanMultiDict


class IdConverter(IntegerConverter):
    """``<int:...>``: ASCII digits only (``\\d`` would take other scripts' digits), at most ``DB_INT_MAX``."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=DB_INT_MAX, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def int_arg(raw, *, minimum: int = 0, maximum: int = DB_INT_MAX) -> int | None:
    """``raw`` (a query parameter) as an int within [minimum, maximum]; None for anything else."""
    if not isinstance(raw, str) or not _DIGITS.fullmatch(raw.strip()):
        return None
    value = int(raw.strip())
    return value if minimum <= value <= maximum else None


def init_app(app) -> None:
    """Called before any blueprint is registered: rules pick their converter when they are added.

    The request class extends the one already installed (htmx-flask's, which adds ``request.htmx``).
    """
    app.request_class = type("PortalRequest", (CleanParameters, app.request_class), {})
    app.url_map.converters["int"] = IdConverter
