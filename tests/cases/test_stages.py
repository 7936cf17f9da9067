"""The stage groups name real stages, and the groups agree with each other."""

from __future__ import annotations

from portal.cases import stages
from portal.cases.models import STAGES


def test_every_group_names_known_stages():
    for group in (stages.OPEN_STAGES, stages.EARLY_STAGES, stages.SIGNED_OFF_STAGES, stages.MAIN_PATH):
        assert set(group) <= set(STAGES), group
    assert set(stages.ENDED_STAGES) <= set(STAGES)


def test_groups_fit_together():
    assert set(stages.EARLY_STAGES) | set(stages.SIGNED_OFF_STAGES) < set(stages.OPEN_STAGES)
    assert set(stages.MAIN_PATH) | {"not_progressed"} == set(STAGES)
    assert set(stages.NOT_CLOSED) == set(STAGES) - {"closed"}
    # The board paper: a column for every open stage, and one for the cases on hold.
    assert [code for code in stages.BOARD_COLUMNS if code != stages.ON_HOLD_COLUMN] == list(stages.OPEN_STAGES)
