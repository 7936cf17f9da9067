"""The completion chart: an accessible SVG whose labels are escaped and whose numbers are text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from portal.actions.chart import completion_chart, completion_rows
from portal.actions.figures import Completion

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup):
    return ET.fromstring(str(markup))  # noqa: S314 - the portal's own output, and it must be well-formed XML


PAYLOAD = '<script>alert("x")</script>&"\'<img src=x onerror=alert(1)>'


def test_chart_is_an_image_named_and_described_with_numbers_as_text():
    bars = [("Coercive control", 3, 4), ("Housing", 0, 2), ("Training", 5, 5)]
    markup = completion_chart("Completion by theme", bars, id_prefix="by-theme")
    svg = parse(str(markup))  # well-formed XML
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "by-theme-title by-theme-desc"
    assert svg.find(f"{SVG}title").text == "Completion by theme"
    assert svg.find(f"{SVG}title").get("id") == "by-theme-title"
    desc = svg.find(f"{SVG}desc")
    assert desc.get("id") == "by-theme-desc"
    assert desc.text == (
        "Coercive control: 3 of 4 complete (75%); Housing: 0 of 2 complete (0%); Training: 5 of 5 complete (100%)."
    )
    texts = [element.text for element in svg.iter(f"{SVG}text")]
    assert texts == ["Coercive control", "3 of 4, 75%", "Housing", "0 of 2, 0%", "Training", "5 of 5, 100%"]
    # The complete part of each bar is drawn in proportion: 3 of 4 fills three quarters.
    filled = [rect for rect in svg.iter(f"{SVG}rect") if rect.get("fill") == "#00703c"]
    assert [float(rect.get("width")) for rect in filled] == [240.0, 320.0]


def test_labels_are_escaped_and_inert():
    markup = completion_chart(PAYLOAD, [(PAYLOAD, 1, 2)], id_prefix="by-agency")
    assert "<script" not in markup and "<img" not in markup
    svg = parse(str(markup))
    assert svg.find(f"{SVG}title").text == PAYLOAD
    assert [element.tag for element in svg.iter()].count(f"{SVG}script") == 0
    assert PAYLOAD[:20] in svg.find(f"{SVG}desc").text


def test_long_labels_are_shortened_in_the_drawing_but_whole_in_the_description():
    label = "Leicestershire Partnership NHS Trust mental health services"
    svg = parse(str(completion_chart("By agency", [(label, 1, 3)], id_prefix="a")))
    assert svg.find(f"{SVG}g/{SVG}title").text == label
    drawn = next(svg.iter(f"{SVG}text")).text
    assert drawn.endswith("\u2026") and len(drawn) <= 34
    assert label in svg.find(f"{SVG}desc").text


def test_no_bars():
    svg = parse(str(completion_chart("By theme", [], id_prefix="empty")))
    assert svg.find(f"{SVG}desc").text == "No actions to show."


def test_id_prefix_must_be_an_id():
    with pytest.raises(ValueError):
        completion_chart("x", [], id_prefix='a" onload="alert(1)')


def test_rows_for_the_table_take_figures_lines_too():
    rows = completion_rows([Completion("Police", 2, 3, 1), ("Housing", 0, 0)])
    assert rows == [("Police", 2, 3, 66), ("Housing", 0, 0, 0)]
    assert rows[0].text == "2 of 3 complete (66%)"
    with pytest.raises(ValueError):
        completion_rows([("Police", 4, 3)])
