"""The groups of stages the portal reasons about, defined once (stage codes: ``models.STAGES``).

A review runs along ``MAIN_PATH``; "not_progressed" is the side road when no review is held.
"On hold" is an overlay on any stage, not a stage.
"""

from __future__ import annotations

# Still in progress: the register's "open" filter, the board report's stage columns.
OPEN_STAGES = ("referral", "awaiting_home_office", "commissioning", "in_review", "signed_off", "with_home_office")
# The way a review goes, from referral to closure (the timeline's task list).
MAIN_PATH = (*OPEN_STAGES, "approved", "published", "closed")
