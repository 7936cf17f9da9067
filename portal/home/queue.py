"""What a person sees first: the reviews they are part of, and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.authz import visible_cases
from portal.authz.roles import remember
from portal.authz.sources import grants_of, source
from portal.cases.models import Case
from portal.extensions import db


@dataclass
class MyCase:
    case: Case
    roles: list[str] = field(default_factory=list)


def my_cases(user) -> list[MyCase]:
    """Every review ``user`` can open, with the roles that give access (two queries in all)."""
    cases = db.session.execute(visible_cases(user).order_by(Case.year.desc(), Case.letter)).scalars().all()
    grants = grants_of(user)
    remember(user, grants, [case.id for case in cases])  # the work queues then ask can() for free
    result = []
    for case in cases:
        labels = []
        for item in grants.get(case.id, ()):
            label = source(item.source).own_label(item)
            if label not in labels:
                labels.append(label)
        result.append(MyCase(case, labels))
    return result
