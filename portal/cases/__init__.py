"""Reviews: the register, the case page, the lifecycle, the case record and who is on a case.

Where things live:
- ``models``: the tables; ``stages``: the groups of stages (open, early, board columns...);
- ``moves``: the move table; ``lifecycle``: applying a move; ``record``: registering and editing
  the case record, its field history and optimistic lock; ``clocks``: the statutory clocks;
  ``timeline``: stages, holds and clocks over time; ``updates``: CRG updates;
  ``member_services``: members, involved agencies, restricted identities; ``audited``: adding
  and removing a case's rows with their audit event; ``access``: the case's role sources;
- presentation: ``presenters`` (template globals), ``timeline_svg`` (the SVG's geometry),
  ``case_view`` (the case page's parts and sections);
- the web: ``routes``, ``member_routes``, ``forms``, ``member_forms``, ``register`` (the
  register's query and export).

Services flush, routes commit (docs/FORMS.md, "Who commits").
"""

from flask import Blueprint

bp = Blueprint("cases", __name__)
