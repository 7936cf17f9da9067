"""The register's "ready for publication" and "published, takedown due" filters (registered by the
submission area through ``portal/cases/register_filters.py register_filter``): page, htmx fragment, CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

import lxml.html

from portal.cases.models import Case
from portal.extensions import db
from tests.conftest import page_text

from .helpers import ok
from .test_publication import _publish, _ready

FRAGMENT = {"HX-Request": "true"}


def _listed(client, show: str, **headers) -> list[str]:
    """The references the register's rows link to (lxml: python-docx's own parser)."""
    response = ok(client.get(f"/cases?show={show}", headers=headers), 200)
    tree = lxml.html.fromstring(response.get_data(as_text=True))
    return [" ".join(link.text_content().split()) for link in tree.xpath("//tbody//th[@scope='row']/a")]


def _csv(client, show: str) -> list[str]:
    response = ok(client.get(f"/cases/export.csv?show={show}"), 200)
    return [row[0] for row in list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]]


def test_ready_for_publication_then_takedown_due_in_page_fragment_and_csv(world, client_for):
    author, office = client_for("author"), client_for("bo")
    reference = db.session.get(Case, world.ids["case_id"]).reference
    assert _listed(office, "ready_for_publication") == []
    _ready(world, author, office)
    assert _listed(office, "ready_for_publication") == [reference]
    assert _listed(office, "ready_for_publication", **FRAGMENT) == [reference]
    assert _csv(office, "ready_for_publication") == [reference]
    assert _listed(office, "takedown_due") == []

    # Published with a takedown date 25 days from today (2 March 2026): within the notice period.
    ok(_publish(office, world, date(2026, 2, 27), ("27", "3", "2026")))
    assert _listed(office, "ready_for_publication") == []
    assert _listed(office, "takedown_due") == [reference]
    assert _listed(office, "takedown_due", **FRAGMENT) == [reference]
    assert _csv(office, "takedown_due") == [reference]
    # The CSP lead sees the submission too; a panel member (summary only) is not told of takedowns.
    assert _listed(client_for("lead"), "takedown_due") == [reference]
    assert _listed(client_for("panel"), "takedown_due") == []
    # An unknown value is ignored: the whole register.
    assert len(_listed(office, "nonsense")) == len(_listed(office, ""))


def test_a_takedown_months_away_is_not_due(world, client_for):
    author, office = client_for("author"), client_for("bo")
    _ready(world, author, office)
    ok(_publish(office, world, date(2026, 2, 27)))  # takedown 27 February 2027
    assert _listed(office, "takedown_due") == []


def test_the_filters_are_in_the_register_form_with_a_label(world, client_for):
    response = ok(client_for("bo").get("/cases?show=takedown_due"), 200)
    tree = lxml.html.fromstring(response.get_data(as_text=True))
    (label,) = tree.xpath("//label[@for='show']")
    assert label.text_content().strip() == "Other filters"
    (select,) = tree.xpath("//form[@role='search']//select[@id='show']")
    options = [(option.get("value"), option.text_content().strip()) for option in select.xpath("option")]
    assert options == [
        ("", "Any"),
        ("ready_for_publication", "Ready for publication"),
        ("takedown_due", "Published, takedown due"),
    ]
    assert [option.get("value") for option in select.xpath("option[@selected]")] == ["takedown_due"]
    assert "Clear filters" in page_text(response)
