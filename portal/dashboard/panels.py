"""Panels other areas add to the business office dashboard (``register_panel``): a template
included after the dashboard's own lists, and what it loads for the person and the day, in a
fixed number of queries whatever the number of cases. The dashboard imports no other area.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app

EXTENSION = "portal.dashboard.panels"


@dataclass(frozen=True)
class Panel:
    key: str  # the id of its heading (a link target from the summary counts)
    template: str  # included with ``data``
    load: Callable[[object, date], object]  # (user, today); lists only cases the user may see
    order: int = 100


@dataclass(frozen=True)
class ShownPanel:
    panel: Panel
    data: object


def register_panel(app, panel: Panel) -> None:
    panels = app.extensions.setdefault(EXTENSION, {})
    if panel.key in panels:
        raise ValueError(f"a dashboard panel is already called {panel.key!r}")
    panels[panel.key] = panel


def panels_for(user, today: date) -> list[ShownPanel]:
    registered = sorted(current_app.extensions.get(EXTENSION, {}).values(), key=lambda p: (p.order, p.key))
    return [ShownPanel(panel, panel.load(user, today)) for panel in registered]
