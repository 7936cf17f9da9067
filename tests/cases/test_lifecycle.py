"""The stage machine: every allowed move, a sample of refused ones, holds and the history they leave."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.cases.lifecycle import apply_move
from portal.cases.models import Case, FieldChange, StageHistory
from portal.cases.moves import MOVES, available_moves
from portal.cases.record import create_case, update_record
from portal.errors import FormError, StaleError
from portal.extensions import db

D = date(2025, 6, 1)

# move, from stage, to stage, the date field it sets, extra fields it needs
ALLOWED = [
    ("decide_conduct", "referral", "awaiting_home_office", "decision_on", {"review_type": "dardr"}),
    ("decide_not_conduct", "referral", "not_progressed", "decision_on", {"reasons": "Death by natural causes"}),
    ("home_office_informed", "awaiting_home_office", "commissioning", "home_office_informed_on", {}),
    ("informed_no_review", "not_progressed", "not_progressed", "home_office_informed_on", {}),
    ("author_agreed", "commissioning", "in_review", "author_agreed_on", {}),
    ("sign_off", "in_review", "signed_off", "signed_off_on", {}),
    ("amendments", "in_review", "in_review", None, {}),
    ("amendments", "signed_off", "signed_off", None, {}),
    ("send_to_home_office", "signed_off", "with_home_office", "sent_to_home_office_on", {}),
    ("graded_adequate", "with_home_office", "approved", "home_office_outcome_on", {}),
    ("graded_inadequate", "with_home_office", "in_review", "home_office_outcome_on", {}),
    ("publish", "approved", "published", "published_on", {}),
    ("close", "published", "closed", "closed_on", {}),
    ("reopen_closed", "closed", "published", None, {}),
    ("reopen", "not_progressed", "referral", None, {"target_stage": "referral"}),
    (
        "reopen",
        "not_progressed",
        "awaiting_home_office",
        "decision_on",
        {"target_stage": "awaiting_home_office", "review_type": "dhr"},
    ),
    (
        "hold",
        "in_review",
        "in_review",
        "hold_since",
        {"hold_reason": "Criminal trial", "hold_requested_by": "Police SIO"},
    ),
]


def test_every_move_is_covered_here():
    assert {row[0] for row in ALLOWED} | {"resume"} == set(MOVES)


@pytest.mark.parametrize(
    ("code", "from_stage", "to_stage", "date_field", "extra"), ALLOWED, ids=[f"{r[0]}:{r[2]}" for r in ALLOWED]
)
def test_allowed_move(app, make_case, officer, code, from_stage, to_stage, date_field, extra):
    case = make_case(stage=from_stage, stage_entered_on=date(2025, 5, 1))
    entry = apply_move(case, code, actor=officer, occurred_on=D, note="Agreed at the CRG", **extra)
    db.session.commit()

    case = db.session.get(Case, case.id)
    assert case.stage == to_stage
    if date_field:
        assert getattr(case, date_field) == D
    if to_stage != from_stage:
        assert case.stage_entered_on == D
    assert (entry.from_stage, entry.to_stage, entry.occurred_on, entry.move) == (from_stage, to_stage, D, code)
    assert entry.recorded_by_id == officer.id and entry.note == "Agreed at the CRG"
    event = db.session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert event.case_id == case.id and event.detail["move"] == code and event.detail["to"] == to_stage
    assert "Agreed" not in str(event.detail)  # no narrative in the audit trail


def test_a_decision_sets_outcome_and_review_type(app, make_case, officer):
    case = make_case()
    apply_move(case, "decide_conduct", actor=officer, occurred_on=D, review_type="dhr")
    assert (case.decision_outcome, case.review_type, case.reference.startswith("DHR")) == ("conduct", "dhr", True)
    other = make_case()
    apply_move(other, "decide_not_conduct", actor=officer, occurred_on=D, reasons="  Not domestic abuse  ")
    assert (other.decision_outcome, other.decision_reasons) == ("not_conduct", "Not domestic abuse")


def test_inadequate_grading_sends_the_report_back_and_keeps_the_grading(app, make_case, officer):
    case = make_case(
        stage="with_home_office", stage_entered_on=date(2025, 1, 1), sent_to_home_office_on=date(2025, 1, 1)
    )
    apply_move(case, "graded_inadequate", actor=officer, occurred_on=D, note="Family views missing")
    assert (case.stage, case.home_office_outcome, case.home_office_outcome_on) == ("in_review", "inadequate", D)


REFUSED = [
    ("sign_off", "referral", "You cannot record \u2018CRG signed off the report\u2019"),
    ("decide_conduct", "in_review", "You cannot record \u2018CRG decided to hold a review\u2019"),
    ("send_to_home_office", "in_review", "it is at the stage \u2018Panel meeting / report being written\u2019"),
    ("publish", "with_home_office", "You cannot record \u2018Report published\u2019"),
    ("close", "approved", "You cannot record"),
    ("reopen", "closed", "You cannot record"),
    ("resume", "in_review", "and not on hold"),
    ("hold", "closed", "You cannot record"),
    ("no_such_move", "referral", "not a change that can be made"),
]


@pytest.mark.parametrize(("code", "stage", "message"), REFUSED, ids=[r[0] + ":" + r[1] for r in REFUSED])
def test_refused_move_changes_nothing(app, make_case, officer, code, stage, message):
    case = make_case(stage=stage)
    before = (case.stage, case.version)
    with pytest.raises(FormError) as refused:
        apply_move(case, code, actor=officer, occurred_on=D)
    db.session.rollback()
    assert message in str(refused.value)
    case = db.session.get(Case, case.id)
    assert (case.stage, case.version) == before
    assert db.session.execute(select(StageHistory).where(StageHistory.kind != "created")).first() is None


@pytest.mark.parametrize(
    ("code", "kwargs", "field", "message"),
    [
        ("author_agreed", {"occurred_on": None}, "occurred_on", "Enter the date the author was agreed"),
        ("author_agreed", {"occurred_on": date(2026, 3, 3)}, "occurred_on", "must be today or in the past"),
        ("author_agreed", {"occurred_on": date(2025, 4, 30)}, "occurred_on", "on or after 1 May 2025"),
        ("hold", {"occurred_on": D}, "hold_reason", "Enter why the review is on hold"),
        ("hold", {"occurred_on": D, "hold_reason": "Inquest"}, "hold_requested_by", "Enter who asked"),
    ],
)
def test_moves_ask_for_what_they_need(app, make_case, officer, code, kwargs, field, message):
    case = make_case(stage="commissioning", stage_entered_on=date(2025, 5, 1))
    with pytest.raises(FormError) as refused:
        apply_move(case, code, actor=officer, **kwargs)
    assert refused.value.field == field and message in str(refused.value)


def test_decision_needs_review_type_or_reasons(app, make_case, officer):
    case = make_case(csp_notified_on=date(2025, 5, 1), stage_entered_on=date(2025, 3, 1))
    with pytest.raises(FormError, match="Select the type of review"):
        apply_move(case, "decide_conduct", actor=officer, occurred_on=D)
    with pytest.raises(FormError, match="Enter the reasons"):
        apply_move(case, "decide_not_conduct", actor=officer, occurred_on=D, reasons="   ")
    with pytest.raises(FormError, match="when the CSP was notified"):
        apply_move(case, "decide_conduct", actor=officer, occurred_on=date(2025, 4, 1), review_type="dardr")
    with pytest.raises(FormError, match="Enter what the Home Office requires"):
        held = make_case(stage="with_home_office")
        apply_move(held, "graded_inadequate", actor=officer, occurred_on=D)


def test_hold_and_resume_return_to_the_same_stage(app, make_case, officer, clock):
    case = make_case(stage="commissioning", stage_entered_on=date(2025, 5, 1))
    apply_move(
        case, "hold", actor=officer, occurred_on=date(2025, 6, 1), hold_reason="Inquest", hold_requested_by="Coroner"
    )
    db.session.commit()
    assert case.on_hold and case.stage == "commissioning"
    assert (case.hold_reason, case.hold_requested_by, case.hold_since) == ("Inquest", "Coroner", date(2025, 6, 1))
    assert [move.code for move in available_moves(case)] == ["resume"]

    with pytest.raises(FormError, match="on hold"):
        apply_move(case, "author_agreed", actor=officer, occurred_on=date(2025, 7, 1))
    db.session.rollback()
    with pytest.raises(FormError, match="on or after 1 June 2025, when the case was put on hold"):
        apply_move(case, "resume", actor=officer, occurred_on=date(2025, 5, 20))
    apply_move(case, "resume", actor=officer, occurred_on=date(2025, 8, 1), note="Inquest concluded")
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert not case.on_hold and case.stage == "commissioning"
    assert case.hold_reason is None and case.hold_since is None
    assert case.stage_entered_on == date(2025, 5, 1)  # the stage did not change
    kinds = db.session.execute(
        select(StageHistory.kind).where(StageHistory.case_id == case.id).order_by(StageHistory.id)
    ).scalars()
    assert list(kinds) == ["created", "hold", "resume"]
    assert "author_agreed" in [move.code for move in available_moves(case)]


def test_every_changed_field_is_kept_with_old_and_new_value(app, make_case, officer):
    case = make_case(stage="referral")
    apply_move(case, "decide_conduct", actor=officer, occurred_on=D, review_type="dhr")
    db.session.commit()
    changes = {c.field: (c.old_value, c.new_value) for c in db.session.execute(select(FieldChange)).scalars()}
    assert changes["stage"] == ("referral", "awaiting_home_office")
    assert changes["decision_on"] == (None, "2025-06-01")
    assert changes["review_type"] == ("undecided", "dhr")
    assert changes["decision_outcome"] == (None, "conduct")
    row = db.session.execute(select(FieldChange).where(FieldChange.field == "stage")).scalar_one()
    assert row.changed_by_id == officer.id and row.history_id is not None


def test_reopen_after_judicial_review_records_a_new_decision(app, make_case, officer):
    case = make_case(
        stage="not_progressed",
        stage_entered_on=date(2023, 1, 20),
        decision_on=date(2023, 1, 20),
        decision_outcome="not_conduct",
        decision_reasons="Criteria not met",
        home_office_informed_on=date(2023, 2, 1),
    )
    with pytest.raises(FormError, match="Select the stage"):
        apply_move(case, "reopen", actor=officer, occurred_on=D, note="Judicial review", target_stage="closed")
    apply_move(
        case,
        "reopen",
        actor=officer,
        occurred_on=D,
        note="Judicial review",
        target_stage="awaiting_home_office",
        review_type="dhr",
    )
    assert (case.stage, case.decision_on, case.decision_outcome) == ("awaiting_home_office", D, "conduct")
    assert case.decision_reasons is None and case.home_office_informed_on is None


def test_stale_version_is_refused(app, make_case, officer):
    case = make_case(stage="commissioning")
    with pytest.raises(StaleError, match="changed by someone else"):
        apply_move(case, "author_agreed", actor=officer, occurred_on=D, version=case.version - 1)
    apply_move(case, "author_agreed", actor=officer, occurred_on=D, version=case.version)


def test_create_case_starts_at_referral_with_history(app, make_csp, officer):
    csp = make_csp("Melton")
    case = create_case(actor=officer, letter=" q ", year=2026, csp_id=csp.id, csp_notified_on=date(2026, 2, 2))
    db.session.commit()
    assert (case.reference, case.stage, case.stage_entered_on) == ("Case Q 2026", "referral", date(2026, 2, 2))
    entry = db.session.execute(select(StageHistory).where(StageHistory.case_id == case.id)).scalar_one()
    assert (entry.kind, entry.to_stage) == ("created", "referral")
    with pytest.raises(FormError, match="already a Case Q 2026"):
        create_case(actor=officer, letter="Q", year=2026, csp_id=csp.id)
    with pytest.raises(FormError, match="Select the CSP"):
        create_case(actor=officer, letter="Z", year=2026)


def test_update_record_keeps_field_history_and_checks_version(app, make_case, officer):
    case = make_case(pseudonym="Adult N")
    changed = update_record(case, actor=officer, version=case.version, pseudonym="Adult P", death_on=date(2024, 12, 1))
    db.session.commit()
    assert sorted(changed) == ["death_on", "pseudonym"]
    with pytest.raises(StaleError):
        update_record(case, actor=officer, version=case.version - 1, pseudonym="Adult Q")
    with pytest.raises(FormError, match="on or after the date of death"):
        update_record(case, actor=officer, version=case.version, csp_notified_on=date(2024, 11, 1))
