"""How the case page shows what the core modules compute: the timeline's SVG and its stage tags.

Registered as template globals on the cases blueprint, so the templates ask for them by name and
the timeline, clocks and models hold no colours or geometry.
"""

from __future__ import annotations

from portal.web.tags import tag

from . import bp
from .timeline_svg import timeline_svg

# A stage's line in the task list (timeline.StageRow.status).
STAGE_STATUS_TAGS = {
    "done": ("Done", "green"),
    "in_progress": ("In progress", "light-blue"),
    "on_hold": ("On hold", "yellow"),
    "overdue": ("Overdue", "red"),
    "not_started": ("Not started", "grey"),
}


@bp.app_template_global()
def stage_status_tag(status: str) -> dict:
    return tag(*STAGE_STATUS_TAGS[status])


bp.add_app_template_global(timeline_svg, "timeline_svg")
