"""What role a person holds on a case, and the list query scoped the same way.

Both come from the role sources (``sources.py``: every way of holding a role). The roles
a person holds on a case are worked out once per request and case, in one query, and kept
in ``g`` (``prime`` fills that cache for many cases at once, for lists).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import g, has_request_context
from sqlalchemy import Select, select

from . import sources

_CACHE = "_case_roles"
_ANYWHERE = "_roles_anywhere"
# Past this many cases ``prime`` reads all of a person's grants (a row per case and role they
# hold) rather than send an IN list that could pass the databases' limit on bound parameters.
_IN_LIST_LIMIT = 500


def object_case(obj):
    """The case ``obj`` is, or is under (its ``case`` attribute)."""
    if isinstance(obj, sources.case_model()):
        return obj
    return getattr(obj, "case", None)


def _cache() -> dict | None:
    return g.setdefault(_CACHE, {}) if has_request_context() else None


def _held(user, case) -> frozenset[tuple[str, str]]:
    cache = _cache()
    key = (user.id, case.id)
    if cache is not None and key in cache:
        return cache[key]
    held = sources.roles_on(user, case.id)
    if cache is not None:
        cache[key] = held
    return held


def prime(user, case_ids: Iterable[int]) -> None:
    """Work out ``user``'s roles on many cases in one query, for a list that asks ``can()`` per row."""
    cache = _cache()
    ids = [case_id for case_id in case_ids if cache is None or (user.id, case_id) not in cache]
    if cache is None or not ids:
        return
    grants = sources.grants_of(user, ids if len(ids) <= _IN_LIST_LIMIT else None)
    for case_id in ids:
        cache[(user.id, case_id)] = frozenset((item.source, item.role) for item in grants.get(case_id, ()))


def remember(user, grants: dict, case_ids: Iterable[int]) -> None:
    """Fill the per-request cache from grants already read (``sources.grants_of``), so that
    ``can()`` on those cases later in the request (the home page's work queues) reads nothing."""
    cache = _cache()
    if cache is None:
        return
    for case_id in case_ids:
        cache.setdefault((user.id, case_id), frozenset((item.source, item.role) for item in grants.get(case_id, ())))


def case_roles(user, case, obj=None) -> set[str]:
    """The roles ``user`` holds on ``case`` (narrowed to ``obj`` when it is an object under it)."""
    held = _held(user, case)
    if obj is None or obj is case:
        return {role for _source, role in held}
    return sources.narrow(user, obj, held)


def roles_anywhere(user) -> frozenset[str]:
    """The case roles ``user`` holds on at least one case (the business office's own role left
    out: its system role says it). One query, kept for the rest of the request: the navigation
    asks on every page (``policy.Rule.anywhere``)."""
    cache = g.setdefault(_ANYWHERE, {}) if has_request_context() else None
    if cache is not None and user.id in cache:
        return cache[user.id]
    held = sources.roles_anywhere(user, exclude=("business_office",))
    if cache is not None:
        cache[user.id] = held
    return held


def visible_cases(user) -> Select:
    """A ``select(Case)`` of the cases ``user`` holds any role on: every list of cases starts here."""
    model = sources.case_model()
    return select(model).where(model.id.in_(sources.visible_case_ids(user)))


def cases_allowing(user, action) -> Select:
    """A SELECT of the ids of the cases on which ``user`` may do ``action`` (a case-level action),
    for SQL that must agree with ``can(user, action, case)`` row by row (the register's clocks)."""
    from .policy import rule_for

    rule = rule_for(action)
    if not rule.case_level:
        raise ValueError(f"{action} is not a case-level action")
    return sources.visible_case_ids(user, roles=rule.case_roles)
