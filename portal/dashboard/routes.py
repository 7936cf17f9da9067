"""The business office dashboard."""

from __future__ import annotations

from flask_login import current_user

from portal.authz import Action, requires
from portal.web.page_cache import cached_page
from portal.web.rendering import render_page

from . import bp, services
from .panels import panels_for


@bp.route("/dashboard")
@cached_page
@requires(Action.PRODUCE_BOARD_REPORT)  # the business office's overview: the live version of the board report
def index():
    overview = services.overview(current_user)
    return render_page("dashboard/index.html", overview=overview, panels=panels_for(current_user, overview.today))
