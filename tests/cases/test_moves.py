"""The move table is consistent: what each move writes is a field of the case, and its form asks
for exactly what applying it reads."""

from __future__ import annotations

import pytest

from portal.cases.models import STAGES, Case
from portal.cases.moves import MOVES
from portal.cases.record import FIELD_LABELS

KINDS = {"move", "event", "reopen", "hold", "resume"}


@pytest.mark.parametrize("code", sorted(MOVES))
def test_a_move_writes_only_fields_of_the_case(code):
    move = MOVES[code]
    written = set(move.sets) | {answer.writes for answer in move.answers}
    for target in move.targets.values():
        written |= set(target.sets) | ({target.date_field} if target.date_field else set())
    if move.date_field:
        written.add(move.date_field)
    columns = set(Case.__table__.columns.keys())
    assert written <= columns, written - columns
    # Every field a move changes has a label in the field history.
    assert written <= set(FIELD_LABELS), written - set(FIELD_LABELS)


@pytest.mark.parametrize("code", sorted(MOVES))
def test_a_move_goes_between_real_stages(code):
    move = MOVES[code]
    assert move.kind in KINDS
    assert set(move.from_stages) <= set(STAGES)
    assert move.to_stage is None or move.to_stage in STAGES
    assert set(move.targets) <= set(STAGES)
    # A move that asks for a target stage has no fixed one; a move recorded once has a date to check.
    assert not (move.targets and move.to_stage)
    assert not move.once or move.date_field


def test_the_form_fields_follow_the_move():
    assert MOVES["reopen"].extra == ("target_stage", "review_type")
    assert MOVES["decide_conduct"].extra == ("review_type",)
    assert MOVES["decide_not_conduct"].extra == ("reasons",)
    assert MOVES["hold"].extra == ("hold_reason", "hold_requested_by")
    assert MOVES["close"].extra == ()
