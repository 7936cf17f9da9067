"""Filters other areas add to the register (``register_filter``): each an SQL condition on
``Case``, offered in the register's filter form and applied to its page, fragment and CSV alike
(portal/cases/register.py). Cases imports nothing from the areas that add them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app

FILTERS = "portal.cases.register_filters"


@dataclass(frozen=True)
class RegisterFilter:
    """A filter another area adds to the register: ``clause(user, today)`` is an SQL condition on
    ``Case`` (restricted, like "overdue", to the cases whose facts it reads that ``user`` may see)."""

    key: str  # its value in the query string (``?show=<key>``)
    label: str  # its option in the filter form
    clause: Callable[[object, date], object]
    order: int = 100


def register_filter(app, key: str, label: str, clause: Callable[[object, date], object], order: int = 100) -> None:
    """An area adds a filter to the register (its page, its htmx fragment and its CSV export alike)."""
    filters = app.extensions.setdefault(FILTERS, {})
    if key in filters:
        raise ValueError(f"register filter {key!r} is registered twice")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        raise ValueError(f"register filter key {key!r} must be lower-case letters, digits and underscores")
    filters[key] = RegisterFilter(key, label, clause, order)


def registered_filters() -> list[RegisterFilter]:
    return sorted(current_app.extensions.get(FILTERS, {}).values(), key=lambda item: (item.order, item.key))


def registered_filter(key: str) -> RegisterFilter | None:
    return current_app.extensions.get(FILTERS, {}).get(key)
