"""The case factories of tests/cases, shared."""

from tests.cases.conftest import add_update, bo_client, make_case, make_csp, officer  # noqa: F401
