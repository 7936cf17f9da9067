"""Pages built from a draft's files and comments: comparing two Word drafts, and the comments
log exported as Word and Excel (audited, marked OFFICIAL-SENSITIVE)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort
from flask_login import current_user

from portal.audit import record
from portal.authz import Action, requires_case
from portal.documents import open_document
from portal.extensions import db
from portal.web.rendering import render_page

from . import bp
from . import comments as comment_service
from .access import circulation_or_404, version_or_404
from .comments_export import comments_docx, comments_xlsx
from .compare import compare_docx

# -- comparing two drafts ---------------------------------------------------------------------------


def _plaintext(version) -> bytes:
    with open_document(version.file) as blocks:
        return b"".join(blocks)


@bp.route("/cases/<int:case_id>/drafts/versions/<int:version_id>/compare/<int:other_id>")
@requires_case(Action.VIEW_CIRCULATED_DRAFTS)
def compare(case, version_id, other_id):
    first = version_or_404(current_user, case, version_id)
    second = version_or_404(current_user, case, other_id)
    if first.document_id != second.document_id or first.id == second.id or not (first.is_docx and second.is_docx):
        abort(404)  # only two Word drafts of the same document compare
    old, new = sorted((first, second), key=lambda v: v.number)
    changes = compare_docx(_plaintext(old), _plaintext(new))
    record(
        "draft.compared",
        object_type="draft_version",
        object_id=new.id,
        case_id=case.id,
        detail={"old_version_id": old.id, "new_version_id": new.id},
    )
    db.session.commit()
    counts = {kind: sum(1 for change in changes if change.kind == kind) for kind in ("added", "removed", "changed")}
    return render_page("drafts/compare.html", case=case, old=old, new=new, changes=changes, counts=counts)


# -- the comments log, exported ---------------------------------------------------------------------


@dataclass(frozen=True)
class _LoggedComment:
    """A comment as the comments log shows it (status in words, the reader's organisation)."""

    reader_name: str
    organisation: str
    location: str
    text: str
    status: str
    reply: str
    created_at: object


def _export(case, version_id: int, fmt: str):
    circulation = circulation_or_404(current_user, case, version_id)
    version = circulation.version
    rows = [
        _LoggedComment(
            c.reader.name,
            c.reader.organisation.name if c.reader.organisation else "",
            c.location,
            c.text,
            c.status_label,
            c.reply,
            c.created_at,
        )
        for c in comment_service.comments_of(circulation)
    ]
    build, media_type = EXPORTS[fmt]
    data = build(rows, case_reference=case.reference, document_title=version.label)
    record(
        "draft.comments_exported",
        object_type="draft_circulation",
        object_id=circulation.id,
        case_id=case.id,
        detail={"format": fmt, "rows": len(rows)},
    )
    db.session.commit()
    # The file name says what it is, not which review: a download folder is not a safe place.
    filename = f"comments-{version.document.kind.replace('_', '-')}-draft-{version.number}.{fmt}"
    return Response(
        data,
        mimetype=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


EXPORTS = {
    "docx": (comments_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (comments_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@bp.route("/cases/<int:case_id>/drafts/versions/<int:version_id>/comments.docx")
@requires_case(Action.UPLOAD_DRAFT)
def comments_docx_export(case, version_id):
    return _export(case, version_id, "docx")


@bp.route("/cases/<int:case_id>/drafts/versions/<int:version_id>/comments.xlsx")
@requires_case(Action.UPLOAD_DRAFT)
def comments_xlsx_export(case, version_id):
    return _export(case, version_id, "xlsx")
