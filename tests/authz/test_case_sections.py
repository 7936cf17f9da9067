"""Areas' sections of the case page: shown only to whom the area says, loaded only when shown."""

from __future__ import annotations

import pytest

from portal.authz import Action, can
from portal.cases.case_view import CaseSection, CaseTask, register_section
from tests.conftest import page_text

pytestmark = pytest.mark.own_app  # each test registers a stand-in section


def _register(app, loads: list):
    def load(user, case):
        loads.append(user.name)
        return {"count": 3}

    register_section(
        app,
        CaseSection(
            "stand_in",
            "test/_section.html",
            shown=lambda user, case: can(user, Action.CIRCULATE_TRAWL, case),
            load=load,
            task=lambda user, case, data: CaseTask(
                "Stand-in work", f"/cases/{case.id}#stand_in", f"{data['count']} returns", "blue"
            ),
        ),
    )


@pytest.fixture
def section_template(app, tmp_path):
    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_loader = ChoiceLoader(
        [
            DictLoader({"test/_section.html": '<h2 id="stand_in">Trawl tracker</h2><p>{{ data.count }} returns</p>'}),
            app.jinja_loader,
        ]
    )


def test_a_section_shows_to_those_allowed_with_its_task(app, world, client_for, section_template):
    loads = []
    _register(app, loads)
    url = f"/cases/{world.ids['case_id']}"
    text = page_text(client_for("author").get(url))
    assert "Work on this review" in text and "Stand-in work 3 returns" in text
    assert "Trawl tracker 3 returns" in text
    assert loads == ["Anna Author"]


def test_a_section_is_neither_shown_nor_loaded_for_others(app, world, client_for, section_template):
    loads = []
    _register(app, loads)
    response = client_for("panel").get(f"/cases/{world.ids['case_id']}")
    assert response.status_code == 200
    # (The panel member has the drafts' task in "Work on this review", but not this section's.)
    assert "Trawl tracker" not in page_text(response) and "Stand-in work" not in page_text(response)
    assert loads == []


def test_a_section_cannot_take_the_name_of_another_part(app):
    with pytest.raises(ValueError, match="already"):
        register_section(app, CaseSection("record", "x.html", shown=lambda user, case: True))
