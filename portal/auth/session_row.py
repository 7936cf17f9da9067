"""The session, its user and their organisation read for every signed-in request, at Core's cost.

The same single statement the ORM would run for ``select(UserSession)`` with the user and their
organisation joined (and the data generation beside them), but executed on the session's
connection as plain Core and turned into the three objects here. Through the ORM the same row
cost about half as much again (its statement preparation and row processing for three entities),
on every signed-in request, page-cache hits included.

The objects are real ORM instances, persistent in the request's session exactly as if a query had
loaded them: every column of each is set as loaded (``make_transient_to_detached`` marks them
unmodified), the user's ``organisation`` and the session's ``user`` are set as loaded
relationships, and everything else (``led_csps`` ...) loads lazily as before. Changing them
(sign-out, the last-seen time, re-authentication) is flushed like any loaded object's change.

When the session already holds one of the three (a test or command that loaded it earlier in the
same session), the ORM's own query is used instead (``None`` here), so an object already in the
identity map is never replaced or doubled.
"""

from __future__ import annotations

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from portal.admin.models import Organisation
from portal.extensions import db
from portal.web.data_generation import DataGeneration

from .models import User, UserSession

_PARTS = ((UserSession, "s_"), (User, "u_"), (Organisation, "o_"))


def _columns(cls, prefix: str) -> list[tuple[str, str]]:
    """(attribute, label) of every mapped column of ``cls``."""
    return [(prop.key, prefix + prop.key) for prop in inspect(cls).column_attrs]


_FIELDS = {cls: _columns(cls, prefix) for cls, prefix in _PARTS}


def _statement():
    labelled = []
    for cls, prefix in _PARTS:
        mapper = inspect(cls)
        labelled += [prop.columns[0].label(prefix + prop.key) for prop in mapper.column_attrs]
    sessions, users, organisations = (cls.__table__ for cls, _ in _PARTS)
    generation = DataGeneration.__table__
    one = generation.c.id == 1
    return (
        select(
            *labelled,
            select(generation.c.value).where(one).scalar_subquery().label("generation_value"),
            select(generation.c.stamp).where(one).scalar_subquery().label("generation_stamp"),
        )
        .select_from(
            sessions.outerjoin(users, users.c.id == sessions.c.user_id).outerjoin(
                organisations, organisations.c.id == users.c.organisation_id
            )
        )
        .where(sessions.c.token_hash == bindparam("token_hash"))
    )


# Built once: building the statement cost more than running it.
_ROW = _statement()


def _loaded(cls, row):
    """``cls``'s object from the row's columns, as the ORM would have loaded it (None if no row)."""
    values = {key: row[label] for key, label in _FIELDS[cls]}
    if values["id"] is None:  # the outer join found nothing
        return None
    obj = inspect(cls).class_manager.new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    db.session.add(obj)
    return obj


def read(token_hash: str):
    """(session record or None, generation value, generation stamp); ``False`` to use the ORM instead."""
    row = db.session.connection().execute(_ROW, {"token_hash": token_hash}).first()
    if row is None:
        return None, None, None
    row = row._mapping
    present = db.session.identity_map
    for cls, prefix in _PARTS:
        pk = row[prefix + "id"]
        if pk is not None and identity_key(cls, pk) in present:
            return False
    record, user, organisation = (_loaded(cls, row) for cls, _ in _PARTS)
    if user is not None:
        set_committed_value(user, "organisation", organisation)
    set_committed_value(record, "user", user)
    return record, row["generation_value"], row["generation_stamp"]
