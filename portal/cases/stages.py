"""The groups of stages the portal reasons about, defined once (stage codes: ``models.STAGES``).

A review runs along ``MAIN_PATH``; "not_progressed" is the side road when no review is held.
"On hold" is an overlay on any stage, not a stage.
"""

from __future__ import annotations

from .models import STAGES

# Still in progress: the register's "open" filter, the board report's cases, "overdue" on the timeline.
OPEN_STAGES = ("referral", "awaiting_home_office", "commissioning", "in_review", "signed_off", "with_home_office")
# Before an independent author is agreed (the board report's "early stages" count).
EARLY_STAGES = ("referral", "awaiting_home_office", "commissioning")
# The report is written and signed off, before the Home Office approves it.
SIGNED_OFF_STAGES = ("signed_off", "with_home_office")
# The way a review goes, from referral to closure (the timeline's task list).
MAIN_PATH = (*OPEN_STAGES, "approved", "published", "closed")
# Nothing more happens unless the case is reopened.
ENDED_STAGES = ("closed", "not_progressed")
# Every stage but "closed": a case there may be put on hold, and its clocks may still run.
NOT_CLOSED = tuple(stage for stage in STAGES if stage != "closed")
# The board paper's stage columns, in its order: the open stages, with the cases on hold after referrals.
ON_HOLD_COLUMN = "on_hold"
BOARD_COLUMNS = (OPEN_STAGES[0], ON_HOLD_COLUMN, *OPEN_STAGES[1:])
