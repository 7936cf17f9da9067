"""The case page's "Sign-off, submission and publication" section and its task line."""

from __future__ import annotations

from flask import url_for

from portal.authz import Action, can
from portal.cases.case_view import CaseTask
from portal.web.dates import govuk_date

# From the report being written on: before that there is nothing to sign off (and a declined
# referral never gets there).
STAGES_SHOWN = ("in_review", "signed_off", "with_home_office", "approved", "published", "closed")


def shown(user, case) -> bool:
    return case.stage in STAGES_SHOWN and can(user, Action.VIEW_SUBMISSION, case)


def load(user, case):
    from .routes import overview

    return overview(case, user)


def task(user, case, data) -> CaseTask:
    href = url_for("submission.index", case_id=case.id)
    title = "Sign-off, Home Office and publication"
    publication = data["publication"]
    rounds = data["rounds"]
    if case.stage == "closed":
        return CaseTask(title, href, "Completed", None, hint="Closed")
    if publication is not None and publication.published_on:
        hint = f"Published {govuk_date(publication.published_on)}, takedown {govuk_date(publication.takedown_on)}"
        return CaseTask(title, href, "Published", "green", hint=hint)
    if publication is not None:
        return CaseTask(title, href, "Ready for publication", "turquoise", hint="Record the publication")
    if rounds and rounds[-1].outcome is None:
        days = data["waiting"].rounds[-1][1]
        return CaseTask(
            title, href, "With the Home Office", "yellow", hint=f"Submission {rounds[-1].number}: {days} days waiting"
        )
    if rounds:
        undone = sum(1 for change in rounds[-1].changes if change.done_at is None)
        to_make = f"; {undone} change{'s' if undone != 1 else ''} to make" if undone else ""
        hint = f"{rounds[-1].outcome_label}{to_make}"
        return CaseTask(title, href, "In progress", "blue", hint=hint)
    if data["current"] is not None:
        return CaseTask(
            title, href, "Signed off", "light-blue", hint=f"Signed off {govuk_date(data['current'].signed_off_on)}"
        )
    open_requests = [request for request in data["amendments"] if request.resolved_by_id is None]
    if open_requests:
        return CaseTask(title, href, "Amendments requested", "orange", hint=open_requests[0].what[:80])
    return CaseTask(title, href, "Not started", "grey")
