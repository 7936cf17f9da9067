"""Parameters for the GOV.UK pagination component.

The Design System shows the first and last pages, the current page and its neighbours,
with an ellipsis for any gap, and "Previous"/"Next" links.
"""

from __future__ import annotations

from collections.abc import Callable

from portal.web.requests import int_arg


def page_number(raw: str | None) -> int:
    """The ``page`` query value as a page number; anything odd ("²", "-1", a huge number) is page 1."""
    return int_arg(raw, minimum=1, maximum=999_999) or 1


def pagination(current: int, pages: int, href: Callable[[int], str], attributes: dict | None = None) -> dict | None:
    """``govukPagination`` params, or None when everything fits on one page.

    ``attributes`` go on every link (htmx uses them to fetch the next page in place).
    """
    if pages <= 1:
        return None
    attributes = attributes or {}

    def link(number: int) -> dict:
        url = href(number)
        return {"href": url, "attributes": {**{k: (url if v is None else v) for k, v in attributes.items()}}}

    shown = sorted({1, pages, current - 1, current, current + 1} & set(range(1, pages + 1)))
    items, previous = [], 0
    for number in shown:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "current": number == current, **link(number)})
        previous = number
    params: dict = {"items": items}
    if current > 1:
        params["previous"] = link(current - 1)
    if current < pages:
        params["next"] = link(current + 1)
    return params
