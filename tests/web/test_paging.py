"""One pagination helper for every paged list (register, audit search, a case's access log)."""

from __future__ import annotations

import pytest

from portal.web.paging import Window, page_number, pagination


@pytest.mark.parametrize(
    ("asked", "total", "number", "first", "last", "offset"),
    [
        (1, 0, 1, 0, 0, 0),  # nothing: page 1, showing none
        (1, 60, 1, 1, 25, 0),
        (2, 60, 2, 26, 50, 25),
        (3, 60, 3, 51, 60, 50),
        (9, 60, 3, 51, 60, 50),  # past the end: the last page
        (0, 60, 1, 1, 25, 0),
        (1, 50, 1, 1, 25, 0),
        (2, 50, 2, 26, 50, 25),
    ],
    ids=lambda value: str(value),
)
def test_window(asked, total, number, first, last, offset):
    window = Window.of(asked, total, 25)
    assert (window.number, window.first, window.last, window.offset) == (number, first, last, offset)
    assert window.pages == max(1, -(-total // 25))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, 1), ("", 1), ("3", 3), ("-1", 1), ("0", 1), ("²", 1), ("1e3", 1), ("99999999999", 1)],
    ids=["none", "empty", "three", "negative", "zero", "superscript", "exponent", "huge"],
)
def test_page_number(raw, expected):
    assert page_number(raw) == expected


def test_one_page_needs_no_pagination():
    assert pagination(1, 1, str) is None


def test_first_last_neighbours_and_ellipses():
    params = pagination(5, 9, lambda n: f"/x?page={n}", label="Pages of reviews")
    assert params["landmarkLabel"] == "Pages of reviews"
    shown = [item.get("number", "…") for item in params["items"]]
    assert shown == [1, "…", 4, 5, 6, "…", 9]
    assert [item["number"] for item in params["items"] if item.get("current")] == [5]
    assert params["previous"]["href"] == "/x?page=4" and params["next"]["href"] == "/x?page=6"


def test_ends_have_no_previous_or_next():
    assert "previous" not in pagination(1, 3, str) and "next" in pagination(1, 3, str)
    assert "next" not in pagination(3, 3, str) and "previous" in pagination(3, 3, str)
    assert [item["number"] for item in pagination(1, 3, str)["items"]] == [1, 2, 3]


def test_attributes_on_every_link_none_means_its_own_url():
    params = pagination(2, 3, lambda n: f"/p/{n}", {"hx-get": None, "hx-target": "#results"})
    links = [item for item in params["items"] if "href" in item] + [params["previous"], params["next"]]
    for link in links:
        assert link["attributes"] == {"hx-get": link["href"], "hx-target": "#results"}
