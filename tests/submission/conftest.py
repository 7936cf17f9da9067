"""The submission tests: the authorization world (its drafts and action plan), a real document
store and clamd (tests/drafts/conftest.py)."""

from tests.documents.conftest import clamd, documents_key  # noqa: F401  (fixtures)
from tests.drafts.conftest import app_config, client_for, world  # noqa: F401  (fixtures)
