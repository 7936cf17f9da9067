"""Every way of holding a role on a case: the role sources.

Read this file to know who can open a case, and why. The case roles themselves are
``policy.CASE_ROLES``; what each may do is ``policy.POLICY``. A *role source* is one way of
coming to hold one of those roles. Every source is declared here, in ``DECLARED``:

==================  ==================================  ===================================================
source              role(s) it gives                    how it is held (registered by)
==================  ==================================  ===================================================
business_office     business_office                     system role "business office": every case
                                                        (portal/cases/access.py)
csp_lead            csp_lead                            leads the CSP that owns the case; an administrator
                                                        links the account to the CSP (portal/cases/access.py)
membership          author, panel_member, observer      an unexpired membership of the case, added by the
                                                        business office (portal/cases/access.py)
agency_contact      agency_contact                      the contact of an agency involved in the case
                                                        (portal/cases/access.py); on a child object only
                                                        when it is their agency's (``authz_agency_id``)
trawl_request       agency_contact                      the contact of an agency with an open information
                                                        request on the case (portal/trawl, not built yet)
action_owner        action_owner                        named owner of an action on the case; on a child
                                                        object only when it names no other owner
                                                        (portal/actions, not built yet)
named_on_object     action_owner                        named as the owner of a child object
                                                        (``authz_owner_id``): that object only (built in)
==================  ==================================  ===================================================

The area that owns the tables a source reads registers it at start-up with
``register_source`` (``authz`` imports no area's models). A source is ONE definition,
``grants()``: a SELECT of *grant rows*, one per (case, person, role), with the columns of
``grant()``. From it, combined with every other source in one UNION ALL query, come:

1. the roles a person holds on one case (``roles_on``; ``roles.case_roles`` and ``can()``),
2. the ids of the cases a person can see (``visible_case_ids``; ``roles.visible_cases``),
3. who holds a role on a case and why, since when and until when (``holders``; the
   members page's "who has access and why").

A source that narrows itself on objects under a case (a trawl return, an action) gives
``on_object(user, obj) -> bool``: whether the role it gives on the case still holds on that
object. A source with no ``grants`` (``named_on_object``) exists on objects only: its
``on_object`` says whether the person holds its role on that object.

Later areas plug in without changing ``authz``: register a ``RoleSource`` under a key
declared here. A key that is not declared is refused, so this table stays complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import Date, DateTime, Integer, Select, String, cast, false, literal, null, select, union, union_all

from portal.extensions import db

from .policy import CASE_ROLES

EXTENSION = "portal.authz"


@dataclass(frozen=True)
class Declared:
    """What the table above says of one source."""

    roles: tuple[str, ...]
    how: str
    registered_by: str


DECLARED: dict[str, Declared] = {
    "business_office": Declared(
        ("business_office",), "system role business office: every case", "portal/cases/access.py"
    ),
    "csp_lead": Declared(("csp_lead",), "leads the CSP that owns the case", "portal/cases/access.py"),
    "membership": Declared(
        ("author", "panel_member", "observer"), "an unexpired membership of the case", "portal/cases/access.py"
    ),
    "agency_contact": Declared(
        ("agency_contact",),
        "the contact of an agency involved in the case; on an object under it, only their agency's",
        "portal/cases/access.py",
    ),
    "trawl_request": Declared(
        ("agency_contact",),
        "the contact of an agency with an open information request on the case; only their agency's",
        "portal/trawl",
    ),
    "action_owner": Declared(
        ("action_owner",),
        "named owner of an action on the case; on an object under it, unless it names another owner",
        "portal/actions",
    ),
    "named_on_object": Declared(
        ("action_owner",), "named as the owner of an object under the case: that object only", "portal/authz"
    ),
}

_UNKNOWN = {role for declared in DECLARED.values() for role in declared.roles} - set(CASE_ROLES)
if _UNKNOWN:
    raise RuntimeError(f"role sources declare roles the policy does not know: {sorted(_UNKNOWN)}")


@dataclass(frozen=True)
class Grant:
    """One row of a source's grants: ``user_id`` holds ``role`` on ``case_id`` through ``source``."""

    source: str
    case_id: int
    user_id: int
    role: str
    detail: str | None = None  # what the reason names: the CSP, the agency...
    until: date | None = None  # the last day it holds (memberships)
    granted_by_id: int | None = None
    granted_at: datetime | None = None


@dataclass(frozen=True)
class RoleSource:
    """One way of holding a case role (see the module docstring).

    ``grants``: a SELECT whose columns are ``grant(...)``; called once per query, so it may
    use today's date. ``on_object``: see the module docstring. ``reason``: why the holder has
    access, for the business office (the members page). ``label``: the same for the holder
    themself (their home page); defaults to ``reason``. ``records_grants``: the source's rows
    say who granted the role and since when (a system role or an action's owner does not).
    """

    key: str
    grants: Callable[[], Select] | None = None
    on_object: Callable[[Any, Any], bool] | None = None
    reason: Callable[[Grant], str] | None = None
    label: Callable[[Grant], str] | None = None
    records_grants: bool = False

    def why(self, grant: Grant) -> str:
        return self.reason(grant) if self.reason else DECLARED[self.key].how

    def own_label(self, grant: Grant) -> str:
        return self.label(grant) if self.label else self.why(grant)


_TYPES = {"detail": String(), "until": Date(), "granted_by_id": Integer(), "granted_at": DateTime(timezone=True)}


def grant(*, case_id, user_id, role, detail=None, until=None, granted_by_id=None, granted_at=None) -> list:
    """The columns of a source's grants, named and typed alike in every source (they are UNIONed).

    ``role`` is a column or a constant role name; the optional parts may be left out.
    """
    if isinstance(role, str):
        if role not in CASE_ROLES:
            raise ValueError(f"unknown case role {role!r}")
        role = cast(literal(role), String)
    optional = {"detail": detail, "until": until, "granted_by_id": granted_by_id, "granted_at": granted_at}
    columns = [case_id.label("case_id"), user_id.label("user_id"), role.label("role")]
    for name, value in optional.items():
        columns.append((cast(null(), _TYPES[name]) if value is None else value).label(name))
    return columns


# -- the registry (one per app) -------------------------------------------------------------------


class Registry:
    def __init__(self):
        self.case_model = None
        self.sources: dict[str, RoleSource] = {}

    @property
    def with_grants(self) -> list[RoleSource]:
        return [source for source in self.sources.values() if source.grants is not None]

    @property
    def object_only(self) -> list[RoleSource]:
        return [source for source in self.sources.values() if source.grants is None]


def init_registry(app) -> Registry:
    registry = app.extensions.setdefault(EXTENSION, Registry())
    if "named_on_object" not in registry.sources:
        register_source(app, NAMED_ON_OBJECT)
    return registry


def register_cases(app, model) -> None:
    """The cases area names its model: ``requires_case`` loads it and ``visible_cases`` selects it."""
    app.extensions[EXTENSION].case_model = model


def register_source(app, source: RoleSource) -> None:
    """Add a way of holding a role; its key must be declared in ``DECLARED`` (and not already taken)."""
    if source.key not in DECLARED:
        raise ValueError(f"role source {source.key!r} is not declared in portal/authz/sources.py")
    if source.grants is None and source.on_object is None:
        raise ValueError(f"role source {source.key!r} gives nothing: it needs grants or on_object")
    registry = app.extensions[EXTENSION]
    if source.key in registry.sources and registry.sources[source.key] is not source:
        raise ValueError(f"role source {source.key!r} is registered twice")
    registry.sources[source.key] = source


def registry() -> Registry:
    try:
        return current_app.extensions[EXTENSION]
    except KeyError:
        raise RuntimeError("portal.authz is not initialised on this app") from None


def case_model():
    model = registry().case_model
    if model is None:
        raise RuntimeError("no case model registered (portal/cases registers it at start-up)")
    return model


# -- the three uses of a source's grants -----------------------------------------------------------


def _grants(where: Callable, sources: Iterable[RoleSource] | None = None) -> list[Grant]:
    """Grant rows of every source (one query), filtered by ``where(columns) -> [conditions]``."""
    branches = []
    for source in registry().with_grants if sources is None else sources:
        statement = source.grants()
        statement = statement.where(*where(statement.selected_columns))
        branches.append(statement.add_columns(cast(literal(source.key), String).label("source")))
    if not branches:
        return []
    statement = branches[0] if len(branches) == 1 else union_all(*branches)
    rows = []
    for row in db.session.execute(statement).mappings():
        declared = DECLARED[row["source"]]
        if row["role"] not in declared.roles:
            raise RuntimeError(f"role source {row['source']!r} gave role {row['role']!r}, not one it declares")
        rows.append(Grant(**row))
    return rows


def roles_on(user, case_id: int) -> frozenset[tuple[str, str]]:
    """(source, role) pairs ``user`` holds on one case."""
    grants = _grants(lambda c: [c.case_id == case_id, c.user_id == user.id])
    return frozenset((g.source, g.role) for g in grants)


def grants_of(user, case_ids: Iterable[int] | None = None) -> dict[int, list[Grant]]:
    """Everything ``user`` holds, by case (one query), optionally only on ``case_ids``."""
    ids = None if case_ids is None else list(case_ids)

    def where(columns):
        conditions = [columns.user_id == user.id]
        if ids is not None:
            conditions.append(columns.case_id.in_(ids))
        return conditions

    result: dict[int, list[Grant]] = {}
    if ids == []:
        return result
    for item in _grants(where):
        result.setdefault(item.case_id, []).append(item)
    return result


def visible_case_ids(user, roles: Iterable[str] | None = None):
    """A SELECT of the ids of every case ``user`` holds any role on (for ``IN (...)``), or only
    one of ``roles``."""
    branches = []
    wanted = None if roles is None else set(roles)
    for source in registry().with_grants:
        if wanted is not None and not wanted & set(DECLARED[source.key].roles):
            continue
        statement = source.grants()
        columns = statement.selected_columns
        statement = statement.where(columns.user_id == user.id)
        if wanted is not None:
            statement = statement.where(columns.role.in_(sorted(wanted)))
        branches.append(statement.with_only_columns(columns.case_id, maintain_column_froms=True))
    if not branches:
        return select(literal(0)).where(false())
    return branches[0] if len(branches) == 1 else union_all(*branches)


def roles_anywhere(user, *, exclude: Iterable[str] = ()) -> frozenset[str]:
    """The roles ``user`` holds on any case, but those in ``exclude`` (one query; sources giving
    only excluded roles are not asked)."""
    left_out = set(exclude)
    branches = []
    for source in registry().with_grants:
        if not set(DECLARED[source.key].roles) - left_out:
            continue
        statement = source.grants()
        columns = statement.selected_columns
        statement = statement.where(columns.user_id == user.id)
        if left_out:
            statement = statement.where(columns.role.not_in(sorted(left_out)))
        # Labelled so that a statement count can tell it from the other reads of the sources.
        branches.append(statement.with_only_columns(columns.role.label("role_anywhere"), maintain_column_froms=True))
    if not branches:
        return frozenset()
    statement = branches[0] if len(branches) == 1 else union(*branches)
    return frozenset(db.session.scalars(statement))


def holders(case_id: int) -> list[Grant]:
    """Everyone holding a role on the case through any source, in the order sources were registered.

    The rows name people by id; callers load them, and leave out deactivated accounts.
    """
    order = {key: index for index, key in enumerate(registry().sources)}
    grants = _grants(lambda c: [c.case_id == case_id])
    return sorted(grants, key=lambda g: (order[g.source], g.role))


def source(key: str) -> RoleSource:
    return registry().sources[key]


# -- narrowing to objects under a case -------------------------------------------------------------


def same_agency(user, obj) -> bool:
    """For sources that give an agency's contact a role: an object under the case is theirs only
    when it names their agency (``authz_agency_id``). Objects that name no agency are not."""
    agency_id = getattr(obj, "authz_agency_id", None)
    return agency_id is not None and agency_id == user.organisation_id


def named_owner(user, obj) -> bool:
    """The person an object names as its owner (``authz_owner_id``)."""
    owner_id = getattr(obj, "authz_owner_id", None)
    return owner_id is not None and owner_id == user.id


def unless_someone_else_owns(user, obj) -> bool:
    """For an owner's case-level role: it holds on objects naming no owner, and on their own."""
    owner_id = getattr(obj, "authz_owner_id", None)
    return owner_id is None or owner_id == user.id


NAMED_ON_OBJECT = RoleSource("named_on_object", on_object=named_owner)


def narrow(user, obj, held: frozenset[tuple[str, str]]) -> set[str]:
    """The roles ``user`` holds on ``obj``, an object under a case on which they hold ``held``."""
    sources = registry().sources
    roles = set()
    for key, role in held:
        on_object = sources[key].on_object
        if on_object is None or on_object(user, obj):
            roles.add(role)
    for item in registry().object_only:
        if item.on_object(user, obj):
            roles.update(DECLARED[item.key].roles)
    return roles
