"""The landing page after sign-in: each person's work queue."""

from __future__ import annotations

from flask import redirect, url_for
from flask_login import current_user

from portal.authz import public, signed_in
from portal.web.page_cache import cached_page
from portal.web.rendering import render_page

from . import bp
from .guidance import business_office_contacts, guidance_for
from .queue import my_cases
from .work import work_for


@bp.route("/")
@public
def root():
    """The site root sends people where they belong, signed in or not."""
    return redirect(url_for("home.index" if current_user.is_authenticated else "auth.sign_in"))


@bp.route("/home")
@signed_in
@cached_page
def index():
    # The business office sees every review: their queue is the dashboard, linked from here.
    mine = [] if current_user.system_role == "business_office" else my_cases(current_user)
    contacts = [] if current_user.system_role == "business_office" else business_office_contacts()
    return render_page(
        "home/index.html",
        work=work_for(current_user),
        my_cases=mine,
        guidance=guidance_for(current_user, mine),
        contacts=contacts,
    )
