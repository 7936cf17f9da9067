"""What drafts add to other pages: the home work queues, the reminders, the case page section.

Each runs a fixed number of queries whatever the number of cases (the reminder source aside,
which runs once a day and asks who still holds a reader role on each open circulation).
"""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from sqlalchemy import func, select

from portal.authz import Action, can, sources
from portal.authz.roles import prime
from portal.cases.case_view import CaseTask
from portal.cases.models import Case
from portal.cases.timeline import Event
from portal.clock import london_date, london_today
from portal.extensions import db
from portal.home.work import WorkItem
from portal.notify import DueItem, Escalation
from portal.web.filters import govuk_date

from .access import COMMENTING_ROLES, visible_versions_query
from .models import Circulation, DraftComment, DraftVersion, Receipt
from .services import documents_for, load_versions

# The author hears the day after the deadline who has not answered (the reminder's escalation).
TELL_AUTHOR_AFTER_DAYS = 1


# -- home page --------------------------------------------------------------------------------------


def awaiting_my_comments(user) -> list[WorkItem]:
    """Circulated drafts this person is asked to comment on, until the deadline or "no further comments".

    Their own receipts only; ``can()`` then drops reviews they no longer comment on (roles
    come from the request's cache, filled by the home page's list of reviews).
    """
    today = london_today()
    rows = db.session.execute(
        select(Receipt, Circulation, DraftVersion, Case)
        .join(Circulation, Circulation.id == Receipt.circulation_id)
        .join(DraftVersion, DraftVersion.id == Circulation.version_id)
        .join(Case, Case.id == Circulation.case_id)
        .where(
            Receipt.reader_id == user.id,
            Receipt.no_further_comments_at.is_(None),
            Circulation.deadline >= today,
        )
        .add_columns(
            select(func.count(DraftComment.id))
            .where(DraftComment.circulation_id == Circulation.id, DraftComment.reader_id == user.id)
            .scalar_subquery()
        )
    ).all()
    prime(user, {case.id for *_, case, _count in rows})
    items = []
    for _receipt, circulation, version, case, count in rows:
        if not can(user, Action.COMMENT_ON_DRAFT, case):
            continue
        items.append(
            WorkItem(
                title=f"Comment on {version.label}",
                href=url_for("drafts.version", case_id=case.id, version_id=version.id),
                due_on=circulation.deadline,
                case_reference=case.reference,
                status=f"{count} comment{'s' if count != 1 else ''} sent" if count else "Not responded",
                colour="blue" if count else "grey",
            )
        )
    return items


def comments_to_answer(user) -> list[WorkItem]:
    """Open panel comments on the drafts this person circulated, while they still manage the review's drafts."""
    # Counted apart, then joined: the versions load their file and uploader with joins, which a
    # GROUP BY over the whole row would have to name (PostgreSQL insists).
    open_counts = (
        select(DraftComment.circulation_id, func.count(DraftComment.id).label("open"))
        .where(DraftComment.status == "open")
        .group_by(DraftComment.circulation_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Circulation, DraftVersion, Case, open_counts.c.open)
        .join(open_counts, open_counts.c.circulation_id == Circulation.id)
        .join(DraftVersion, DraftVersion.id == Circulation.version_id)
        .join(Case, Case.id == Circulation.case_id)
        .where(Circulation.circulated_by_id == user.id)
    ).all()
    prime(user, {case.id for _, _, case, _ in rows})
    return [
        WorkItem(
            title=f"Answer {count} comment{'s' if count != 1 else ''} on {version.label}",
            href=url_for("drafts.comments", case_id=case.id, version_id=version.id),
            case_reference=case.reference,
            status="To answer",
            colour="blue",
        )
        for circulation, version, case, count in rows
        if can(user, Action.UPLOAD_DRAFT, case)
    ]


# -- reminders --------------------------------------------------------------------------------------


def readers_not_responded(due_by):
    """Circulations due by ``due_by`` with people asked to comment who have not answered.

    Who is asked is who holds a commenting role on the review today (someone who joined the
    panel after the circulation included); who has answered, who commented or said "no further
    comments". Stays open until the day after the deadline, when the author is told
    (escalation); after that comments are closed and nobody is chased (an extension starts a
    new schedule).
    """
    today = london_today()
    circulations = db.session.execute(
        select(Circulation.id, Circulation.case_id, Circulation.version_id, Circulation.deadline)
        .add_columns(Circulation.circulated_by_id)
        .where(
            Circulation.deadline <= due_by,
            Circulation.deadline >= today - timedelta(days=TELL_AUTHOR_AFTER_DAYS),
        )
        .order_by(Circulation.id)
    ).all()
    if not circulations:
        return
    ids = [row.id for row in circulations]
    answered = set(
        db.session.execute(
            select(DraftComment.circulation_id, DraftComment.reader_id).where(DraftComment.circulation_id.in_(ids))
        ).all()
    ) | set(
        db.session.execute(
            select(Receipt.circulation_id, Receipt.reader_id).where(
                Receipt.circulation_id.in_(ids), Receipt.no_further_comments_at.is_not(None)
            )
        ).all()
    )
    for row in circulations:
        asked = {g.user_id for g in sources.holders(row.case_id) if g.role in COMMENTING_ROLES}
        recipients = tuple(sorted(user_id for user_id in asked if (row.id, user_id) not in answered))
        if not recipients:
            continue
        yield DueItem(
            thing=f"draft_circulation:{row.id}",
            recipients=recipients,
            due_on=row.deadline,
            link=f"/cases/{row.case_id}/drafts/versions/{row.version_id}",
            escalations=(
                Escalation(
                    to=(row.circulated_by_id,) if row.circulated_by_id else None, after_days=TELL_AUTHOR_AFTER_DAYS
                ),
            ),
        )


# -- case page --------------------------------------------------------------------------------------


def section_shown(user, case) -> bool:
    return can(user, Action.VIEW_CIRCULATED_DRAFTS, case)


def section_load(user, case):
    return documents_for(load_versions(visible_versions_query(user, case)))


def section_task(user, case, rows) -> CaseTask:
    href = url_for("drafts.index", case_id=case.id)
    circulated = [row.latest_circulated for row in rows if row.latest_circulated is not None]
    if not rows:
        return CaseTask("Drafts", href, "Not started", "grey", hint="No draft has been shared yet.")
    today = london_today()
    open_now = [v for v in circulated if v.circulation.open_on(today)]
    if open_now:
        soonest = min(open_now, key=lambda v: v.circulation.deadline)
        hint = f"{soonest.label} circulated: comments by {govuk_date(soonest.circulation.deadline)}"
        return CaseTask("Drafts", href, "Comments open", "blue", hint=hint)
    latest = ", ".join(f"{row.document.name} draft {row.latest.number}" for row in rows)
    return CaseTask("Drafts", href, "In progress", "light-blue", hint=latest)


def timeline_events(case) -> list:
    """Each circulation of the case's drafts, for the case timeline: one query."""
    rows = db.session.execute(
        select(Circulation.circulated_at, DraftVersion)
        .join(DraftVersion, Circulation.version_id == DraftVersion.id)
        .where(Circulation.case_id == case.id)
        .order_by(Circulation.circulated_at)
    ).all()
    return [Event(london_date(at), f"{version.label} circulated to the panel", "circulation") for at, version in rows]
