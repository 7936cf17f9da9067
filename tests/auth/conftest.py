import pytest

from tests.support import use_isolated_clients


@pytest.fixture
def app(app):
    # Every request gets its own ``flask.g``, as on a real server (see tests/support.py).
    return use_isolated_clients(app)
