"""Acting as the author would: upload a draft, circulate it (through the pages)."""

from __future__ import annotations

import io
import re
from datetime import date

from tests.support import once

DEADLINE = date(2026, 3, 20)


def parts(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def upload(client, world, content: bytes, filename: str, kind: str = "overview_report", note: str = "") -> int:
    response = client.post(
        f"/cases/{world.ids['case_id']}/drafts/upload",
        data={"kind": kind, "title": "", "note": note, "file": (io.BytesIO(content), filename), **once()},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/versions/(\d+)", response.headers["Location"]).group(1))


def circulate(client, world, version_id: int, deadline: date = DEADLINE):
    response = client.post(
        f"/cases/{world.ids['case_id']}/drafts/versions/{version_id}/circulate",
        data={"deadline": parts(deadline), **once()},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response
