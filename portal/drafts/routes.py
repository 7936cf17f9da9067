"""Pages of the drafts: the case's drafts, uploading, a version, circulating, downloads,
comments and answers, the circulation tracker.

Thin views: parse, authorize (decorator, then the version loaded through its case, an
uncirculated one a 404 for readers), call a service, render.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal.audit import record
from portal.authz import Action, can, requires_case
from portal.authz.roles import case_roles
from portal.clock import london_today
from portal.documents import send_document
from portal.extensions import db
from portal.notify import last_reminders
from portal.web.fields import options
from portal.web.page_cache import cached_page
from portal.web.rendering import render_form, render_page
from portal.web.requests import int_arg
from portal.web.saving import save

from . import bp, services
from . import comments as comment_service
from .access import (
    COMMENTING_ROLES,
    READER_ROLES,
    circulation_or_404,
    comment_or_404,
    is_author,
    manages,
    version_or_404,
    visible_versions_query,
)
from .downloads import stamped_copy, stamped_response
from .forms import AnswerForm, CirculateForm, CommentForm, ExtendForm, NoFurtherCommentsForm, UploadForm
from .models import COMMENT_STATUSES, DOCUMENT_KINDS, CaseDocument, Circulation, DraftComment, DraftVersion

VERSION_PAGE, VERSION_BODY = "drafts/version.html", "drafts/_version-body.html"


def _reader_role(case) -> str | None:
    roles = case_roles(current_user, case)
    return next((role for role in READER_ROLES if role in roles), None)


def _viewed(page, case, version=None):
    """Record that ``case`` (or its ``version``) was viewed, after ``page`` was rendered, and
    return it: a commit expires every loaded row, and recording first reloaded the case, the
    version and its circulation one query at a time (as the case page, portal/cases/routes.py).
    If recording fails the page is never sent, so nobody reads a draft unrecorded."""
    record(
        "draft.viewed",
        object_type="draft_version" if version else "case",
        object_id=version.id if version else case.id,
        case_id=case.id,
        detail={"endpoint": request.endpoint},
    )
    db.session.commit()
    return page


@bp.route("/cases/<int:case_id>/drafts")
@requires_case(Action.VIEW_CIRCULATED_DRAFTS)
@cached_page
def index(case):
    rows = services.documents_for(services.load_versions(visible_versions_query(current_user, case)))
    return _viewed(render_page("drafts/index.html", case=case, rows=rows, manages=manages(current_user, case)), case)


@bp.route("/cases/<int:case_id>/drafts/upload", methods=["GET", "POST"])
@requires_case(Action.UPLOAD_DRAFT)
@cached_page
def upload(case):
    form = UploadForm()
    if request.method == "GET":
        document = db.session.get(CaseDocument, int_arg(request.args.get("document")) or 0)
        if document is not None and document.case_id == case.id:
            form.kind.data, form.title.data = document.kind, document.title
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.upload_version(
                case,
                kind=form.kind.data,
                title=form.title.data,
                note=form.note.data,
                file=request.files.get(form.file.name),
                actor=current_user,
            ),
            result_url=services.version_link,
        )
        if outcome:
            flash(outcome.message(lambda v: f"{v.label} has been uploaded. It is not circulated yet."), "success")
            return redirect(outcome.url)
    return render_form("drafts/upload.html", form, case=case)


def _version_context(case, version, **extra) -> dict:
    circulation = version.circulation
    user_manages = manages(current_user, case)
    role = _reader_role(case)
    may_comment = circulation is not None and can(current_user, Action.COMMENT_ON_DRAFT, case)
    context = {
        "case": case,
        "version": version,
        "circulation": circulation,
        "manages": user_manages,
        "may_comment": may_comment,
        "is_open": circulation is not None and circulation.open_on(london_today()),
        "reader_role": role,
        "own_comments": [],
        "receipt": None,
        "others": [],
    }
    if circulation is not None and may_comment:
        context["own_comments"] = comment_service.comments_of(circulation, reader_id=current_user.id)
        context["receipt"] = next((r for r in circulation.receipts if r.reader_id == current_user.id), None)
    siblings = services.load_versions(
        visible_versions_query(current_user, case).where(
            DraftVersion.document_id == version.document_id, DraftVersion.id != version.id
        )
    )
    context["others"] = siblings
    context.setdefault("comment_form", CommentForm(formdata=None) if may_comment else None)
    context.setdefault("nfc_form", NoFurtherCommentsForm(formdata=None) if may_comment else None)
    if user_manages and circulation is None:
        context.setdefault("circulate_form", CirculateForm(formdata=None))
    if user_manages and circulation is not None:
        context.setdefault("extend_form", ExtendForm(formdata=None, data={"version": circulation.row_version}))
    context.update(extra)
    return context


@bp.route("/cases/<int:case_id>/drafts/versions/<int:version_id>")
@requires_case(Action.VIEW_CIRCULATED_DRAFTS)
@cached_page
def version(case, version_id):
    version = version_or_404(current_user, case, version_id)
    return _viewed(render_page(VERSION_PAGE, VERSION_BODY, **_version_context(case, version)), case, version)


@bp.route("/cases/<int:case_id>/drafts/versions/<int:version_id>/circulate", methods=["POST"])
@requires_case(Action.UPLOAD_DRAFT)
def circulate(case, version_id):
    version = version_or_404(current_user, case, version_id)
    form = CirculateForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.circulate(version, deadline=form.deadline.data, actor=current_user),
            result_url=lambda c: services.version_link(version),
        )
        if outcome:
            flash(
                outcome.message(lambda c: f"{version.label} has been circulated to {len(c.receipts)} readers."),
                "success",
            )
            return redirect(outcome.url)
    db.session.refresh(version)
    return render_form(VERSION_PAGE, form, VERSION_BODY, **_version_context(case, version, circulate_form=form))


@bp.route("/cases/<int:case_id>/drafts/versions/<int:version_id>/deadline", methods=["POST"])
@requires_case(Action.UPLOAD_DRAFT)
def extend_deadline(case, version_id):
    circulation = circulation_or_404(current_user, case, version_id)
    form = ExtendForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.extend_deadline(
                circulation, deadline=form.deadline.data, actor=current_user, version=form.version.data
            ),
            stale=lambda: setattr(form.version, "data", db.session.get(Circulation, circulation.id).row_version),
        )
        if outcome:
            flash("The deadline has been extended.", "success")
            return redirect(services.version_link(circulation.version))
    version = version_or_404(current_user, case, version_id)
    return render_form(VERSION_PAGE, form, VERSION_BODY, **_version_context(case, version, extend_form=form))


@bp.route("/cases/<int:case_id>/drafts/versions/<int:version_id>/download")
@requires_case(Action.VIEW_CIRCULATED_DRAFTS)
def download(case, version_id):
    version = version_or_404(current_user, case, version_id)
    if is_author(current_user, case):
        return send_document(version.file)  # the author's own file, as uploaded
    # Everyone else gets a copy stamped with their name; a reader's download is their receipt,
    # written in the same commit as the audit event of the download.
    chunks = stamped_copy(version, current_user)
    if version.circulation is not None and _reader_role(case):
        services.note_download(version.circulation, current_user, _reader_role(case))
    record(
        "document.download",
        object_type="document",
        object_id=version.file_id,
        case_id=case.id,
        detail={"stamped": True, "draft_version_id": version.id, "media_type": version.file.media_type},
    )
    db.session.commit()
    return stamped_response(version, chunks)


# -- comments ---------------------------------------------------------------------------------------


@bp.route("/cases/<int:case_id>/drafts/versions/<int:version_id>/comments/new", methods=["POST"])
@requires_case(Action.COMMENT_ON_DRAFT)
def add_comment(case, version_id):
    circulation = circulation_or_404(current_user, case, version_id)
    form = CommentForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: comment_service.add_comment(
                circulation, current_user, _reader_role(case), location=form.location.data, text=form.text.data
            ),
            result_url=lambda c: services.version_link(circulation.version) + "#your-comments",
        )
        if outcome:
            flash(outcome.message(lambda c: "Your comment has been sent to the author."), "success")
            return redirect(outcome.url)
    version = version_or_404(current_user, case, version_id)
    return render_form(VERSION_PAGE, form, VERSION_BODY, **_version_context(case, version, comment_form=form))


@bp.route("/cases/<int:case_id>/drafts/versions/<int:version_id>/no-further-comments", methods=["POST"])
@requires_case(Action.COMMENT_ON_DRAFT)
def no_further_comments(case, version_id):
    circulation = circulation_or_404(current_user, case, version_id)
    form = NoFurtherCommentsForm()
    if form.validate_on_submit():
        outcome = save(form, lambda: comment_service.no_further_comments(circulation, current_user, _reader_role(case)))
        if outcome:
            flash("The author has been told you have no further comments.", "success")
            return redirect(services.version_link(circulation.version))
    version = version_or_404(current_user, case, version_id)
    return render_form(VERSION_PAGE, form, VERSION_BODY, **_version_context(case, version, nfc_form=form))


def _filters(circulation):
    readers = [(r.reader_id, r.reader.name) for r in circulation.receipts]
    reader_id = int_arg(request.args.get("reader"))
    status = request.args.get("status") if request.args.get("status") in COMMENT_STATUSES else None
    return {
        "reader_id": reader_id if reader_id in {rid for rid, _ in readers} else None,
        "status": status,
        "reader_options": options([(0, "Everyone")] + readers),
        "status_options": options([("", "Any status")] + list(COMMENT_STATUSES.items())),
    }


@bp.route("/cases/<int:case_id>/drafts/versions/<int:version_id>/comments")
@requires_case(Action.UPLOAD_DRAFT)
@cached_page
def comments(case, version_id):
    circulation = circulation_or_404(current_user, case, version_id)
    filters = _filters(circulation)
    found = comment_service.comments_of(circulation, reader_id=filters["reader_id"], status=filters["status"])
    page = render_page(
        "drafts/comments.html",
        "drafts/_comments-table.html",
        case=case,
        circulation=circulation,
        version=circulation.version,
        comments=found,
        filters=filters,
    )
    return _viewed(page, case, circulation.version)


@bp.route("/cases/<int:case_id>/drafts/versions/<int:version_id>/comments/<int:comment_id>", methods=["GET", "POST"])
@requires_case(Action.UPLOAD_DRAFT)
@cached_page
def answer_comment(case, version_id, comment_id):
    circulation = circulation_or_404(current_user, case, version_id)
    comment = comment_or_404(circulation, comment_id)
    form = AnswerForm(
        data=None
        if request.method == "POST"
        else {
            "version": comment.row_version,
            "status": comment.status,
            "reason": comment.reason,
            "reply": comment.reply,
        }
    )
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: comment_service.answer(
                comment,
                status=form.status.data,
                reason=form.reason.data,
                reply=form.reply.data,
                actor=current_user,
                version=form.version.data,
            ),
            stale=lambda: setattr(form.version, "data", db.session.get(DraftComment, comment.id).row_version),
        )
        if outcome:
            flash("Your answer has been saved.", "success")
            return redirect(url_for("drafts.comments", case_id=case.id, version_id=version_id))
    return render_form(
        "drafts/answer.html", form, case=case, circulation=circulation, version=circulation.version, comment=comment
    )


@bp.route("/cases/<int:case_id>/drafts/versions/<int:version_id>/tracker")
@requires_case(Action.UPLOAD_DRAFT)
@cached_page
def tracker(case, version_id):
    circulation = circulation_or_404(current_user, case, version_id)
    rows = services.tracker(circulation)
    thing = f"draft_circulation:{circulation.id}"
    last_reminder = last_reminders([thing]).get(thing)
    page = render_page(
        "drafts/tracker.html",
        case=case,
        circulation=circulation,
        version=circulation.version,
        rows=rows,
        last_reminder=last_reminder,
        commenting=COMMENTING_ROLES,
        today=london_today(),
        kinds=DOCUMENT_KINDS,
    )
    return _viewed(page, case, circulation.version)
