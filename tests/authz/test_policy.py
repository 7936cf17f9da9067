"""Policy truth table: can(user, action, case A) for every principal and every action.

The table is written by hand (Y = allowed). Reading a row tells a data protection
officer who may do that thing on a case.
"""

from __future__ import annotations

import pytest

from portal.authz import Action, can

from .conftest import PRINCIPALS

COLUMNS = (
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

#                                         none auth panl obsv expd cont coth ownr lead lotr  bo  admn
TABLE = """
view case summary                           .    Y    Y    Y    .    Y    .    Y    Y    .    Y    .
view the case record, clocks and timeline   .    Y    .    .    .    .    .    .    Y    .    Y    .
read CRG updates                            .    .    .    .    .    .    .    .    Y    .    Y    .
view restricted identities                  .    Y    .    .    .    .    .    .    .    .    Y    .
manage case                                 .    .    .    .    .    .    .    .    .    .    Y    .
manage members                              .    .    .    .    .    .    .    .    .    .    Y    .
see who accessed a case                     .    .    .    .    .    .    .    .    .    .    Y    .
add CRG update                              .    .    .    .    .    .    .    .    .    .    Y    .
circulate trawl                             .    Y    .    .    .    .    .    .    .    .    Y    .
view all returns of a case                  .    Y    .    .    .    .    .    .    .    .    Y    .
submit and view own agency's return         .    .    .    .    .    Y    .    .    .    .    .    .
see the identifying details an information request names  .  .  .  .  .  Y  .  .  .  .  .  .
upload draft                                .    Y    .    .    .    .    .    .    .    .    Y    .
view circulated drafts                      .    Y    Y    Y    .    .    .    .    Y    .    Y    .
view uncirculated drafts                    .    Y    .    .    .    .    .    .    .    .    Y    .
comment on a draft                          .    .    Y    .    .    .    .    .    Y    .    .    .
view and keep the family and perpetrator contact log  .  Y  .  .  .  .  .  .  .  .  Y  .
record sign-off, submission and Home Office outcome  .  .  .  .  .  .  .  .  .  .  Y  .
view action plan                            .    Y    Y    Y    .    .    .    .    Y    .    Y    .
edit action plan                            .    Y    .    .    .    .    .    .    .    .    Y    .
update an action                            .    .    .    .    .    Y    .    Y    .    .    Y    .
confirm an action complete                  .    .    .    .    .    .    .    .    Y    .    Y    .
follow action plans across reviews          .    .    .    .    .    .    .    .    Y    .    Y    .
view an action and the recommendation it answers  .  Y  Y  Y  .  Y  .  Y  Y  .  Y  .
view sign-off, submissions to the Home Office and publication  .  Y  .  .  .  .  .  .  Y  .  Y  .
tick the changes the Home Office required   .    Y    .    .    .    .    .    .    .    .    Y    .
run the anonymisation check and record why a hit stays  .  Y  .  .  .  .  .  .  .  .  Y  .
extend retention, place and lift a legal hold, dispose of a case  .  .  .  .  .  .  .  .  .  .  Y  .
"""

GLOBAL = """
administer users and organisations          .    .    .    .    .    .    .    .    .    .    .    Y
view the audit trail                        .    .    .    .    .    .    .    .    .    .    .    Y
produce the board report                    .    .    .    .    .    .    .    .    .    .    Y    .
create a case                               .    .    .    .    .    .    .    .    .    .    Y    .
keep the saved lists of agencies a trawl is sent to  .  .  .  .  .  .  .  .  .  .  Y  .
manage the themes of recommendations        .    .    .    .    .    .    .    .    .    .    Y    .
see ended cases and when they are due for disposal  .  .  .  .  .  .  .  .  .  .  Y  .
open the action tracker                     .    .    .    .    .    .    .    .    Y    Y    Y    .
"""


def _rows(table: str):
    for line in table.strip().splitlines():
        (*words,) = line.split()
        cells = words[-len(COLUMNS) :]
        action = " ".join(words[: -len(COLUMNS)])
        yield Action(action), dict(zip(COLUMNS, (cell == "Y" for cell in cells), strict=True))


def test_the_tables_cover_every_action_and_signed_in_principal():
    assert set(COLUMNS) == set(PRINCIPALS) - {"anon"}
    covered = {action for action, _ in _rows(TABLE)} | {action for action, _ in _rows(GLOBAL)}
    assert covered == set(Action)


@pytest.mark.parametrize("action,row", list(_rows(TABLE)), ids=lambda v: str(v)[:30] if isinstance(v, Action) else "")
def test_case_actions(app, world, action, row):
    for principal, allowed in row.items():
        assert can(world.users[principal], action, world.case_a) is allowed, (action, principal)


@pytest.mark.parametrize("action,row", list(_rows(GLOBAL)), ids=lambda v: str(v)[:30] if isinstance(v, Action) else "")
def test_global_actions(app, world, action, row):
    for principal, allowed in row.items():
        assert can(world.users[principal], action) is allowed, (action, principal)


def test_nobody_but_the_business_office_has_any_right_on_case_b(app, world):
    for principal in ("author", "observer", "contact", "lead"):
        for action, _ in _rows(TABLE):
            assert not can(world.users[principal], action, world.case_b), (action, principal)


def test_deactivated_users_may_do_nothing(app, world):
    bo = world.users["bo"]
    bo.active = False
    assert not can(bo, Action.VIEW_CASE, world.case_a)


def test_unknown_action_names_raise(app, world):
    with pytest.raises(ValueError):
        can(world.users["bo"], "delete everything", world.case_a)


def test_child_objects_narrow_agency_and_owner_roles(app, world):
    """A return of another agency, or an action owned by someone else, is not the contact's or owner's."""

    class Child:  # the attributes a trawl return or an action exposes to the policy
        def __init__(self, case, agency_id=None, owner_id=None):
            self.case, self.authz_agency_id, self.authz_owner_id = case, agency_id, owner_id

    contact, owner = world.users["contact"], world.users["owner"]
    own_return = Child(world.case_a, agency_id=contact.organisation_id)
    other_return = Child(world.case_a, agency_id=contact.organisation_id + 1000)
    assert can(contact, Action.SUBMIT_OWN_RETURN, own_return)
    assert not can(contact, Action.SUBMIT_OWN_RETURN, other_return)
    owned = Child(world.case_a, owner_id=owner.id)
    not_owned = Child(world.case_a, owner_id=contact.id)
    assert can(owner, Action.UPDATE_ACTION, owned)
    assert not can(owner, Action.UPDATE_ACTION, not_owned)
    assert not can(owner, Action.VIEW_ACTION_PLAN, owned)
