"""The submission's moments on the case timeline (``portal/cases/timeline.py register_events``) and
its lines in the case page's key facts (``portal/cases/case_view.py register_facts``).

Both are read in one query each, whatever the number of sign-offs and rounds. The timeline and
the key facts are shown only to those who may see the case record, and still say no more than
dates, numbers and outcomes: what the CRG or the Home Office asked for stays on the submission
page.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, DateTime, Integer, String, literal, select, union_all

from portal.authz import Action, can
from portal.cases.timeline import Event
from portal.clock import london_date, london_today
from portal.extensions import db
from portal.web.dates import govuk_date

from .models import OUTCOMES, AmendmentRequest, Publication, QaRound, SignOff


def _moments(case_id: int):
    """(kind, on, at, number, outcome) of every dated step of ``case_id``'s submission: one query."""

    def row(kind: str, on, *, at=None, number=None, outcome=None):
        return (
            literal(kind, String).label("kind"),
            (on if on is not None else literal(None, Date)).label("on"),
            (at if at is not None else literal(None, DateTime(timezone=True))).label("at"),
            (number if number is not None else literal(None, Integer)).label("number"),
            (outcome if outcome is not None else literal(None, String)).label("outcome"),
        )

    parts = [
        select(*row("signed_off", SignOff.signed_off_on)).where(SignOff.case_id == case_id),
        select(*row("amendments", AmendmentRequest.requested_on, at=None)).where(AmendmentRequest.case_id == case_id),
        select(*row("sent", QaRound.sent_on, number=QaRound.number)).where(QaRound.case_id == case_id),
        select(*row("commissioner", QaRound.commissioner_sent_on, number=QaRound.number)).where(
            QaRound.case_id == case_id, QaRound.commissioner_sent_on.is_not(None)
        ),
        select(*row("outcome", QaRound.outcome_on, number=QaRound.number, outcome=QaRound.outcome)).where(
            QaRound.case_id == case_id, QaRound.outcome_on.is_not(None)
        ),
        select(*row("ready", None, at=Publication.ready_at)).where(Publication.case_id == case_id),
        select(*row("family_told", Publication.family_told_on)).where(
            Publication.case_id == case_id, Publication.family_told_on.is_not(None)
        ),
        select(*row("published", Publication.published_on)).where(
            Publication.case_id == case_id, Publication.published_on.is_not(None)
        ),
        select(*row("takedown", Publication.takedown_on)).where(
            Publication.case_id == case_id, Publication.takedown_on.is_not(None)
        ),
    ]
    return db.session.execute(union_all(*parts)).all()


def _sent_label(number: int) -> str:
    if number == 1:
        return "Report submitted to the Home Office (submission 1)"
    return f"Report resubmitted to the Home Office (submission {number})"


def _label(moment) -> str:
    kind, number = moment.kind, moment.number
    if kind == "signed_off":
        return "CRG signed off the report"
    if kind == "amendments":
        return "Further amendments requested by the CRG"
    if kind == "sent":
        return _sent_label(number)
    if kind == "commissioner":
        return f"Copy of submission {number} sent to the Domestic Abuse Commissioner"
    if kind == "outcome":
        return f"Home Office quality assurance outcome of submission {number}: {OUTCOMES.get(moment.outcome, '')}"
    if kind == "ready":
        return "Anonymisation check passed: ready for publication"
    if kind == "family_told":
        return "Family told of the publication"
    if kind == "published":
        return "Report published"
    return "Takedown date of the published report"


def timeline_events(case) -> list[Event]:
    """Sign-offs, amendments, submissions, copies to the Commissioner, QA outcomes, publication and
    the takedown date, for the case timeline (one query)."""
    events = []
    for moment in _moments(case.id):
        on = moment.on if moment.on is not None else london_date(moment.at)
        events.append(Event(on, _label(moment), f"submission-{moment.kind.replace('_', '-')}"))
    return events


def key_facts(user, case) -> list[tuple[str, str]]:
    """The submission's lines in the case page's key facts: each round's dates and days waited,
    the total wait, and the publication's dates (one query)."""
    if not can(user, Action.VIEW_SUBMISSION, case):
        return []
    moments = _moments(case.id)
    if not moments:
        return []
    by_round: dict[int, dict] = {}
    publication: dict[str, date] = {}
    for moment in moments:
        if moment.number is not None:
            by_round.setdefault(moment.number, {})[moment.kind] = moment
        elif moment.kind in ("family_told", "published", "takedown"):
            publication[moment.kind] = moment.on
    today = london_today()
    facts, total = [], 0
    for number in sorted(by_round):
        steps = by_round[number]
        sent_on = steps["sent"].on
        outcome = steps.get("outcome")
        days = max(0, ((outcome.on if outcome else today) - sent_on).days)
        total += days
        line = f"Sent {govuk_date(sent_on)}"
        if "commissioner" in steps:
            line += f"; copy to the Commissioner {govuk_date(steps['commissioner'].on)}"
        if outcome is not None:
            line += f"; outcome {govuk_date(outcome.on)}: {OUTCOMES.get(outcome.outcome, '')} ({days} days waited)"
        else:
            line += f"; waiting for the outcome ({days} days so far)"
        facts.append((f"Submission {number} to the Home Office", line))
    if by_round:
        facts.append(("Days waited on the Home Office", f"{total} in total over {len(by_round)} submission(s)"))
    if "family_told" in publication:
        facts.append(("Family told of publication", govuk_date(publication["family_told"])))
    if "takedown" in publication:
        facts.append(("Takedown date", govuk_date(publication["takedown"])))
    return facts
