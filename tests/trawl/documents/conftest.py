"""The trawl's document journeys scan and store for real: the documents tests' clamd and store."""

from __future__ import annotations

import pytest

from tests.documents.conftest import clamd, documents_key  # noqa: F401  (fixtures)


@pytest.fixture
def app_config(app_config, tmp_path, clamd, documents_key):  # noqa: F811
    return {
        **app_config,
        "PORTAL_ENV": "development",
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
        "DOCUMENTS_KEY": documents_key,
        "DOCUMENTS_OLD_KEYS": "",
        "CLAMD_SOCKET": clamd.socket,
        "CLAMD_HOST": None,
        "CLAMD_TIMEOUT": 10,
    }
