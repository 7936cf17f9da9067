"""Paged lists: which rows a page holds, and the GOV.UK pagination component's parameters.

Every paged list (the register, the audit search, a case's access log) counts its rows in SQL,
asks ``Window.of`` which page it can show (a page past the end shows the last one), fetches
``LIMIT per_page OFFSET offset``, and links its pages with ``pagination``. The Design System
shows the first and last pages, the current page and its neighbours, with an ellipsis for any
gap, and "Previous"/"Next" links.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.web.requests import int_arg

MAX_PAGE = 999_999


def page_number(raw: str | None) -> int:
    """The ``page`` query value as a page number; anything odd ("²", "-1", a huge number) is page 1."""
    return int_arg(raw, minimum=1, maximum=MAX_PAGE) or 1


@dataclass(frozen=True)
class Window:
    """Page ``number`` of ``total`` rows, ``per_page`` to a page."""

    number: int
    total: int
    per_page: int

    @classmethod
    def of(cls, asked: int, total: int, per_page: int) -> Window:
        """The page asked for, or the nearest there is (1 when nothing matches)."""
        pages = max(1, -(-total // per_page))
        return cls(min(max(1, asked), pages), total, per_page)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def first(self) -> int:
        """1-based index of the first row shown (0 when there is none)."""
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.per_page)


def pagination(
    current: int,
    pages: int,
    href: Callable[[int], str],
    attributes: dict | None = None,
    *,
    label: str | None = None,
) -> dict | None:
    """``govukPagination`` params, or None when everything fits on one page.

    ``attributes`` go on every link (htmx uses them to fetch the page in place; a value of None
    means the link's own URL). ``label`` names the navigation landmark.
    """
    if pages <= 1:
        return None
    attributes = attributes or {}

    def link(number: int) -> dict:
        url = href(number)
        return {"href": url, "attributes": {k: (url if v is None else v) for k, v in attributes.items()}}

    shown = sorted({1, pages, current - 1, current, current + 1} & set(range(1, pages + 1)))
    items, previous = [], 0
    for number in shown:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "current": number == current, **link(number)})
        previous = number
    params: dict = {"items": items}
    if label:
        params["landmarkLabel"] = label
    if current > 1:
        params["previous"] = link(current - 1)
    if current < pages:
        params["next"] = link(current + 1)
    return params


@dataclass
class Paged:
    """The rows of one page of a list, and where that page lies in it."""

    rows: list
    window: Window

    @property
    def total(self) -> int:
        return self.window.total

    @property
    def number(self) -> int:
        return self.window.number

    @property
    def pages(self) -> int:
        return self.window.pages

    @property
    def first(self) -> int:
        return self.window.first

    @property
    def last(self) -> int:
        return self.window.last
