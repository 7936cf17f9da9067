"""The expected answer of every endpoint to every principal, written by hand.

Never derive this from portal/authz/policy.py: it is the independent statement of
who may do what, and the matrix test compares the running app with it. A new route
without a row here fails the suite.

Keys are (endpoint, method). Values map principal -> status. Helpers below only
save typing; each row still says who is allowed.

GET rows are requested with no data. POST rows are sent with a valid CSRF token
and no other fields: an allowed principal gets 422 (form errors) or 302 (done);
a refused one 403, or 404 when they have no role on the case.

Anonymous users are redirected to sign-in (302) on plain requests, and get 401
with HX-Redirect under htmx; the matrix test checks both.
"""

from __future__ import annotations

SIGNED_IN = (
    "none",
    "author",
    "panel",
    "observer",
    "expired",
    "contact",
    "contact_other",
    "owner",
    "lead",
    "lead_other",
    "bo",
    "admin",
)
# Principals holding some role on case A (see conftest.World); the rest get 404 there.
ON_CASE_A = ("author", "panel", "observer", "contact", "owner", "lead", "bo")
ANON = "anon-redirect"  # 302 to sign-in (plain) / 401 + HX-Redirect (htmx)


def everyone(status: int, anon=ANON) -> dict:
    return {"anon": anon, **{p: status for p in SIGNED_IN}}


def public(status: int, signed_in: int | None = None) -> dict:
    return {"anon": status, **{p: status if signed_in is None else signed_in for p in SIGNED_IN}}


def only(allowed: dict[str, int], refused: int = 403) -> dict:
    """A global page: the listed principals get their status, every other signed-in person ``refused``."""
    return {"anon": ANON, **{p: allowed.get(p, refused) for p in SIGNED_IN}}


def on_case_a(allowed: dict[str, int]) -> dict:
    """A page of case A: listed principals get their status, other role holders 403, the rest 404."""
    row = {"anon": ANON}
    for p in SIGNED_IN:
        row[p] = allowed.get(p, 403 if p in ON_CASE_A else 404)
    return row


ADMIN_GET = only({"admin": 200})
ADMIN_POST_FORM = only({"admin": 422})
ADMIN_POST_DONE = only({"admin": 302})
NO_TOKEN = public(404)  # a made-up token in an e-mailed link
DRAFT_READERS = {"author": 200, "panel": 200, "observer": 200, "lead": 200, "bo": 200}
DRAFT_MANAGERS = {"author": 200, "bo": 200}
SUBMISSION_READERS = {"bo": 200, "lead": 200, "author": 200}

EXPECTED: dict[tuple[str, str], dict] = {
    # -- public and account pages
    ("home.root", "GET"): public(302),
    ("home.index", "GET"): everyone(200),
    ("auth.sign_in", "GET"): public(200, signed_in=302),
    ("auth.sign_in", "POST"): public(422, signed_in=302),
    ("auth.sign_out", "POST"): everyone(302),
    ("auth.forgot_password", "GET"): public(200),
    ("auth.forgot_password", "POST"): public(422),
    ("auth.accept_invitation", "GET"): NO_TOKEN,
    ("auth.accept_invitation", "POST"): NO_TOKEN,
    ("auth.invitation_security_code", "GET"): NO_TOKEN,
    ("auth.invitation_security_code", "POST"): NO_TOKEN,
    ("auth.renew_security_code", "GET"): NO_TOKEN,
    ("auth.renew_security_code", "POST"): NO_TOKEN,
    ("auth.renew_security_code_confirm", "GET"): NO_TOKEN,
    ("auth.renew_security_code_confirm", "POST"): NO_TOKEN,
    ("auth.reset_password", "GET"): NO_TOKEN,
    ("auth.reset_password", "POST"): NO_TOKEN,
    # -- health checks for the load balancer: one word to anyone (tests/health)
    ("health.healthz", "GET"): public(200),
    ("health.readyz", "GET"): public(200),
    ("auth.account", "GET"): everyone(200),
    ("auth.confirm_identity", "GET"): everyone(200),
    ("auth.confirm_identity", "POST"): everyone(422),
    # Signed in moments ago, so no re-authentication is asked for.
    ("auth.change_password", "GET"): everyone(200),
    ("auth.change_password", "POST"): everyone(422),
    ("auth.change_security_code", "GET"): everyone(200),
    ("auth.change_security_code", "POST"): everyone(422),
    # -- administration: administrators only
    ("admin.users", "GET"): ADMIN_GET,
    ("admin.invite_user", "GET"): ADMIN_GET,
    ("admin.invite_user", "POST"): ADMIN_POST_FORM,
    ("admin.user", "GET"): ADMIN_GET,
    ("admin.edit_user", "GET"): ADMIN_GET,
    ("admin.edit_user", "POST"): ADMIN_POST_FORM,
    ("admin.deactivate_user", "POST"): ADMIN_POST_DONE,
    ("admin.reactivate_user", "POST"): ADMIN_POST_DONE,
    ("admin.reset_security_code", "POST"): ADMIN_POST_DONE,
    ("admin.resend_invitation", "POST"): ADMIN_POST_DONE,
    ("admin.organisations", "GET"): ADMIN_GET,
    ("admin.edit_organisation", "GET"): ADMIN_GET,
    ("admin.edit_organisation", "POST"): ADMIN_POST_FORM,
    ("admin.toggle_organisation", "POST"): ADMIN_POST_DONE,
    ("admin.csps", "GET"): ADMIN_GET,
    ("admin.edit_csp", "GET"): ADMIN_GET,
    ("admin.edit_csp", "POST"): ADMIN_POST_FORM,
    ("admin.toggle_csp", "POST"): ADMIN_POST_DONE,
    # -- cases: every signed-in person has a register (scoped to what they may see)
    ("cases.register", "GET"): everyone(200),
    ("cases.case_page", "GET"): on_case_a({p: 200 for p in ON_CASE_A}),
    ("cases.members", "GET"): on_case_a({"bo": 200}),
    ("cases.add_member", "POST"): on_case_a({"bo": 422}),
    ("cases.remove_member", "POST"): on_case_a({"bo": 302}),
    ("cases.add_agency", "POST"): on_case_a({"bo": 422}),
    ("cases.remove_agency", "POST"): on_case_a({"bo": 302}),
    ("cases.identities", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("cases.add_identity", "GET"): on_case_a({"bo": 200}),
    ("cases.add_identity", "POST"): on_case_a({"bo": 422}),
    ("cases.edit_identity", "GET"): on_case_a({"bo": 200}),
    ("cases.edit_identity", "POST"): on_case_a({"bo": 422}),
    # -- lifecycle (issue 4): the register's CSV is scoped like the register; the rest is business office.
    # Case A is in review: "hold" is a move it can make now, "sign_off" an outcome it can record now.
    ("cases.register_csv", "GET"): everyone(200),
    ("cases.new_case", "GET"): only({"bo": 200}),
    ("cases.new_case", "POST"): only({"bo": 422}),
    ("cases.change_stage", "GET"): on_case_a({"bo": 200}),
    ("cases.change_stage", "POST"): on_case_a({"bo": 422}),
    ("cases.record_outcome", "GET"): on_case_a({"bo": 200}),
    ("cases.record_outcome", "POST"): on_case_a({"bo": 422}),
    ("cases.add_update", "GET"): on_case_a({"bo": 200}),
    ("cases.add_update", "POST"): on_case_a({"bo": 422}),
    ("cases.edit_case", "GET"): on_case_a({"bo": 200}),
    ("cases.edit_case", "POST"): on_case_a({"bo": 422}),
    ("cases.history", "GET"): on_case_a({"bo": 200}),
    ("dashboard.index", "GET"): only({"bo": 200}),
    ("reports.board_report", "GET"): only({"bo": 200}),
    ("reports.board_report_docx", "GET"): only({"bo": 200}),
    ("reports.board_report_pdf", "GET"): only({"bo": 200}),
    # -- audit trail: administrators search it; the business office sees who accessed a case
    ("audit.trail", "GET"): ADMIN_GET,
    ("audit.case_access", "GET"): on_case_a({"bo": 200}),
    # -- information trawl (issue 10). Case A's trawl exists (tests/authz/conftest.py), so the
    # circulation form sends its people to the tracker. A request's pages: the police contact
    # (their agency's request) and those who see every return; identities only the contact.
    ("trawl.circulate", "GET"): on_case_a({"bo": 302, "author": 302}),
    ("trawl.circulate", "POST"): on_case_a({"bo": 302, "author": 302}),
    ("trawl.add_request", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("trawl.add_request", "POST"): on_case_a({"bo": 422, "author": 422}),
    ("trawl.tracker", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("trawl.request_page", "GET"): on_case_a({"bo": 200, "author": 200, "contact": 200}),
    ("trawl.identities", "GET"): on_case_a({"contact": 200}),
    ("trawl.acknowledge", "POST"): on_case_a({"contact": 302}),
    ("trawl.edit_return", "GET"): on_case_a({"contact": 200}),
    ("trawl.edit_return", "POST"): on_case_a({"contact": 422}),
    ("trawl.add_row", "POST"): on_case_a({"contact": 422}),
    ("trawl.edit_row", "GET"): on_case_a({"contact": 200}),
    ("trawl.edit_row", "POST"): on_case_a({"contact": 422}),
    ("trawl.remove_row", "POST"): on_case_a({"contact": 422}),
    ("trawl.submit_return", "GET"): on_case_a({"contact": 200}),
    ("trawl.submit_return", "POST"): on_case_a({"contact": 422}),
    ("trawl.more_information", "POST"): on_case_a({"bo": 422, "author": 422}),
    ("trawl.accept_return", "POST"): on_case_a({"bo": 422, "author": 422}),
    ("trawl.my_requests", "GET"): everyone(200),
    # Files: an empty upload is refused (and audited) with a message on the page it returns to.
    ("trawl.attach_to_trawl", "POST"): on_case_a({"bo": 302, "author": 302}),
    ("trawl.attach_to_return", "POST"): on_case_a({"contact": 302}),
    ("trawl.request_file", "GET"): on_case_a({"bo": 404, "author": 404, "contact": 404}),
    # IMRs: the world's police return is a draft and has no IMR (its document ids are tested in tests/trawl).
    ("trawl.request_imr", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("trawl.request_imr", "POST"): on_case_a({"bo": 422, "author": 422}),
    ("trawl.upload_imr", "POST"): on_case_a({"contact": 404}),
    ("trawl.decide_imr", "POST"): on_case_a({"bo": 404, "author": 404}),
    ("trawl.imr_document", "GET"): on_case_a({"bo": 404, "author": 404, "contact": 404}),
    ("trawl.chronology", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("trawl.chronology_docx", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("trawl.chronology_xlsx", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("trawl.chronology_csv", "GET"): on_case_a({"bo": 200, "author": 200}),
    # An empty post: "The selected file is empty", nothing imported.
    ("trawl.import_rows", "GET"): on_case_a({"contact": 200}),
    ("trawl.import_rows", "POST"): on_case_a({"contact": 422}),
    ("trawl.import_template_csv", "GET"): on_case_a({"contact": 200}),
    ("trawl.import_template_xlsx", "GET"): on_case_a({"contact": 200}),
    ("trawl.agency_lists", "GET"): only({"bo": 200}),
    ("trawl.new_agency_list", "GET"): only({"bo": 200}),
    ("trawl.new_agency_list", "POST"): only({"bo": 422}),
    ("trawl.edit_agency_list", "GET"): only({"bo": 200}),
    ("trawl.edit_agency_list", "POST"): only({"bo": 422}),
    # -- action plans (issue 12). Case A is in review (before sign-off), so its author still edits the plan.
    # The URL's action is the owner's, led by the police (whose contact updates it); the URL's evidence id
    # names no evidence (the matrix app has no document store): whoever passes the checks then gets 404.
    ("actions.plan", "GET"): on_case_a({p: 200 for p in ("bo", "lead", "author", "panel", "observer")}),
    ("actions.plan_history", "GET"): on_case_a({p: 200 for p in ("bo", "lead", "author", "panel", "observer")}),
    ("actions.add_recommendation", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("actions.add_recommendation", "POST"): on_case_a({"bo": 422, "author": 422}),
    ("actions.edit_recommendation", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("actions.edit_recommendation", "POST"): on_case_a({"bo": 422, "author": 422}),
    ("actions.remove_recommendation", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("actions.remove_recommendation", "POST"): on_case_a({"bo": 302, "author": 302}),
    ("actions.add_action", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("actions.add_action", "POST"): on_case_a({"bo": 422, "author": 422}),
    ("actions.edit_action", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("actions.edit_action", "POST"): on_case_a({"bo": 422, "author": 422}),
    ("actions.remove_action", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("actions.remove_action", "POST"): on_case_a({"bo": 302, "author": 302}),
    ("actions.action_page", "GET"): on_case_a(
        {p: 200 for p in ("bo", "lead", "author", "panel", "observer", "owner", "contact")}
    ),
    ("actions.update_status", "POST"): on_case_a({"bo": 422, "owner": 422, "contact": 422}),
    ("actions.add_note", "POST"): on_case_a({"bo": 422, "owner": 422, "contact": 422}),
    ("actions.add_evidence", "POST"): on_case_a({"bo": 422, "owner": 422, "contact": 422}),
    ("actions.evidence", "GET"): on_case_a(
        {p: 404 for p in ("bo", "lead", "author", "panel", "observer", "owner", "contact")}
    ),
    # The action is in progress, not awaiting confirmation: refused with a reason.
    ("actions.confirm", "POST"): on_case_a({"bo": 422, "lead": 422}),
    ("actions.return_action", "POST"): on_case_a({"bo": 422, "lead": 422}),
    # Across reviews: everyone has a "My actions" (their own, maybe none); the tracker shows each person
    # the reviews they confirm actions on (none for most: the page says so; its CSV is refused).
    ("actions.my_actions", "GET"): everyone(200),
    ("actions.tracker", "GET"): everyone(200),
    ("actions.tracker_csv", "GET"): only({"bo": 200, "lead": 200, "lead_other": 200}),
    ("actions.learning", "GET"): everyone(200),
    ("actions.themes", "GET"): only({"bo": 200}),
    ("actions.themes", "POST"): only({"bo": 422}),
    ("actions.toggle_theme", "POST"): only({"bo": 302}),
    ("actions.export_xlsx", "GET"): on_case_a({p: 200 for p in ("bo", "lead", "author", "panel", "observer")}),
    ("actions.export_docx", "GET"): on_case_a({p: 200 for p in ("bo", "lead", "author", "panel", "observer")}),
    ("actions.import_plan", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("actions.import_plan", "POST"): on_case_a({"bo": 422, "author": 422}),
    # -- drafts (issue 11): circulated drafts for the panel, observers and the CSP lead; uploading,
    # circulating, answering comments and the tracker for the author and business office; comments
    # from panel members and the CSP lead. ``version_id`` is circulated draft 2, comments open.
    ("drafts.index", "GET"): on_case_a(DRAFT_READERS),
    ("drafts.upload", "GET"): on_case_a(DRAFT_MANAGERS),
    ("drafts.upload", "POST"): on_case_a({"author": 422, "bo": 422}),
    ("drafts.version", "GET"): on_case_a(DRAFT_READERS),
    ("drafts.circulate", "POST"): on_case_a({"author": 422, "bo": 422}),
    ("drafts.extend_deadline", "POST"): on_case_a({"author": 422, "bo": 422}),
    ("drafts.download", "GET"): on_case_a(DRAFT_READERS),
    ("drafts.add_comment", "POST"): on_case_a({"panel": 422, "lead": 422}),
    ("drafts.no_further_comments", "POST"): on_case_a({"panel": 302, "lead": 302}),
    ("drafts.comments", "GET"): on_case_a(DRAFT_MANAGERS),
    ("drafts.answer_comment", "GET"): on_case_a(DRAFT_MANAGERS),
    ("drafts.answer_comment", "POST"): on_case_a({"author": 422, "bo": 422}),
    ("drafts.tracker", "GET"): on_case_a(DRAFT_MANAGERS),
    ("drafts.comments_docx_export", "GET"): on_case_a(DRAFT_MANAGERS),
    ("drafts.comments_xlsx_export", "GET"): on_case_a(DRAFT_MANAGERS),
    ("drafts.compare", "GET"): on_case_a(DRAFT_READERS),  # draft 2 with draft 1, both circulated
    # -- the family and perpetrator contact log: the author and the business office only
    ("drafts.contact_log", "GET"): on_case_a(DRAFT_MANAGERS),
    ("drafts.new_contact", "GET"): on_case_a(DRAFT_MANAGERS),
    ("drafts.new_contact", "POST"): on_case_a({"author": 422, "bo": 422}),
    ("drafts.contact_entry", "GET"): on_case_a(DRAFT_MANAGERS),
    ("drafts.edit_contact", "GET"): on_case_a(DRAFT_MANAGERS),
    ("drafts.edit_contact", "POST"): on_case_a({"author": 422, "bo": 422}),
    # -- sign-off, the Home Office submission, QA rounds, the anonymisation check, publication (issue 13).
    # Case A (in review) carries a sign-off of draft 2, a round graded adequate once one change is made,
    # and a check with one hit (tests/submission/world.py). The business office records; the CSP lead
    # and the author see; the author and the business office tick changes and run the check (its hits
    # quote the real name). Ready for publication and closing are refused at this stage (422).
    ("submission.index", "GET"): on_case_a(SUBMISSION_READERS),
    ("submission.sign_off", "GET"): on_case_a({"bo": 200}),
    ("submission.sign_off", "POST"): on_case_a({"bo": 422}),
    ("submission.amendments", "GET"): on_case_a({"bo": 200}),
    ("submission.amendments", "POST"): on_case_a({"bo": 422}),
    ("submission.pack", "GET"): on_case_a({"bo": 200}),
    ("submission.send", "GET"): on_case_a({"bo": 200}),
    ("submission.send", "POST"): on_case_a({"bo": 422}),
    ("submission.commissioner", "GET"): on_case_a({"bo": 200}),
    ("submission.commissioner", "POST"): on_case_a({"bo": 422}),
    ("submission.outcome", "GET"): on_case_a({"bo": 200}),
    ("submission.outcome", "POST"): on_case_a({"bo": 422}),
    ("submission.letter", "GET"): on_case_a(SUBMISSION_READERS),
    ("submission.tick_change", "POST"): on_case_a({"bo": 422, "author": 422}),
    ("submission.run_check", "POST"): on_case_a({"bo": 302, "author": 302}),
    ("submission.check", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("submission.explain", "POST"): on_case_a({"bo": 422, "author": 422}),
    ("submission.ready", "POST"): on_case_a({"bo": 422}),
    ("submission.publication", "GET"): on_case_a({"bo": 200}),
    ("submission.publication", "POST"): on_case_a({"bo": 422}),
    # Nothing is published yet: whoever passes the checks gets 404.
    ("submission.public_copy", "GET"): on_case_a({p: 404 for p in SUBMISSION_READERS}),
    ("submission.close", "POST"): on_case_a({"bo": 422}),
    # What the check searches for besides the names (a date of birth in the world): those who see the
    # real names; the business office adds and removes, as it does the identities themselves.
    ("submission.identifiers", "GET"): on_case_a({"bo": 200, "author": 200}),
    ("submission.add_identifier", "GET"): on_case_a({"bo": 200}),
    ("submission.add_identifier", "POST"): on_case_a({"bo": 422}),
    ("submission.remove_identifier", "POST"): on_case_a({"bo": 302}),
    # -- retention and disposal: the business office only
    ("retention.due", "GET"): only({"bo": 200}),
    ("retention.case_retention", "GET"): on_case_a({"bo": 200}),
    ("retention.extend", "GET"): on_case_a({"bo": 200}),
    ("retention.extend", "POST"): on_case_a({"bo": 422}),
    ("retention.place_hold", "GET"): on_case_a({"bo": 200}),
    ("retention.place_hold", "POST"): on_case_a({"bo": 422}),
    ("retention.lift_hold", "GET"): on_case_a({"bo": 200}),
    ("retention.lift_hold", "POST"): on_case_a({"bo": 422}),
    ("retention.dispose", "GET"): on_case_a({"bo": 200}),
    ("retention.dispose", "POST"): on_case_a({"bo": 422}),
}
