"""Each circulation of a draft is marked on the case timeline (portal/cases/timeline.py register_events)."""

from __future__ import annotations

import re

from tests.conftest import page_text
from tests.documents import samples

from .helpers import circulate, upload


def _events(html: str) -> list[str]:
    listed = re.search(r'<ul class="govuk-list app-timeline__events">(.*?)</ul>', html, re.S)
    return (
        [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", listed.group(1), re.S)]
        if listed
        else []
    )


def test_a_circulation_is_an_event_on_the_timeline_and_an_uncirculated_draft_is_not(app, world, client_for, clock):
    author = client_for("author")
    case_url = f"/cases/{world.ids['case_id']}"
    before = _events(author.get(case_url).get_data(as_text=True))
    version_id = upload(author, world, samples.docx("Draft four"), "overview.docx")
    assert _events(author.get(case_url).get_data(as_text=True)) == before  # uploaded, not circulated
    circulate(author, world, version_id)
    html = author.get(case_url).get_data(as_text=True)
    added = [event for event in _events(html) if event not in before]
    assert added == [f"{clock.now.day} {clock.now:%B %Y}: Overview Report, draft 4 circulated to the panel"]
    # Drawn too: a marker on the events row, its title the same words.
    assert "app-timeline__event--circulation" in html
    assert "Overview Report, draft 4 circulated to the panel" in page_text(author.get(case_url))
