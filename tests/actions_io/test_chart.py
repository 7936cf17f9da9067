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
    texts = [" ".join(element.itertext()) for element in svg.iter(f"{SVG}text")]
    assert texts == ["Coercive control", "3 of 4, 75%", "Housing", "0 of 2, 0%", "Training", "5 of 5, 100%"]
    # The complete part of each bar is drawn in proportion: 3 of 4 fills three quarters.
    filled = [rect for rect in svg.iter(f"{SVG}rect") if rect.get("fill") == "#00703c"]
    assert [float(rect.get("width")) for rect in filled] == [210.0, 280.0]


def test_labels_are_escaped_and_inert():
    markup = completion_chart(PAYLOAD, [(PAYLOAD, 1, 2)], id_prefix="by-agency")
    assert "<script" not in markup and "<img" not in markup
    svg = parse(str(markup))
    assert svg.find(f"{SVG}title").text == PAYLOAD
    assert [element.tag for element in svg.iter()].count(f"{SVG}script") == 0
    assert PAYLOAD[:20] in svg.find(f"{SVG}desc").text


def _drawn_lines(svg) -> list[list[str]]:
    """Each bar's label as drawn, line by line (one tspan a line)."""
    return [
        [span.text for span in text.iter(f"{SVG}tspan")]
        for text in svg.iter(f"{SVG}text")
        if text.find(f"{SVG}tspan") is not None
    ]


def test_long_agency_names_wrap_onto_two_lines_and_show_whole():
    names = [
        "University Hospitals of Leicester NHS Trust",
        "Leicestershire Partnership NHS Trust mental health services",
    ]
    svg = parse(str(completion_chart("By agency", [(names[0], 0, 1), (names[1], 1, 3)], id_prefix="a")))
    drawn = _drawn_lines(svg)
    assert [" ".join(lines) for lines in drawn] == names
    assert [len(lines) for lines in drawn] == [2, 2]
    assert "\u2026" not in str(completion_chart("By agency", [(names[0], 0, 1)], id_prefix="a"))
    # Two lines need a taller row: the second bar starts below the first's two lines.
    backgrounds = [float(rect.get("y")) for rect in svg.iter(f"{SVG}rect") if rect.get("fill") == "#f3f2f1"]
    assert backgrounds[1] - backgrounds[0] >= 52
    # 16 px text in a drawing the stylesheet shows at no more than its own width.
    assert svg.get("font-size") == "16" and svg.get("viewBox").split()[2] == "720"


def test_labels_longer_than_two_lines_are_shortened_but_whole_in_the_title_and_description():
    label = "Leicester, Leicestershire and Rutland Integrated Care Board safeguarding adults and children team"
    svg = parse(str(completion_chart("By agency", [(label, 1, 3)], id_prefix="a")))
    assert svg.find(f"{SVG}g/{SVG}title").text == label
    (lines,) = _drawn_lines(svg)
    assert len(lines) == 2 and lines[-1].endswith("\u2026") and all(len(line) <= 34 for line in lines)
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
