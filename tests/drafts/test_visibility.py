"""Who reaches which draft: uncirculated versions are the author's and the business office's
only (a 404 for every reader, like an id from another case); agency contacts reach no draft;
a member of another review gets 404 on every id of this one."""

from __future__ import annotations

import pytest

from tests.conftest import page_text

READERS = ("panel", "observer", "lead")


def _urls(ids: dict, version_key: str, case_key: str = "case_id") -> list[str]:
    base = f"/cases/{ids[case_key]}/drafts/versions/{ids[version_key]}"
    return [base, f"{base}/download", f"{base}/comments", f"{base}/tracker"]


@pytest.mark.parametrize("principal", READERS)
def test_readers_get_404_on_every_page_of_an_uncirculated_version(app, world, client_for, principal):
    client = client_for(principal)
    version, download, *managers = _urls(world.ids, "uncirculated_id")
    assert client.get(version).status_code == 404
    assert client.get(download).status_code == 404
    # The author's pages are refused whatever the id: the answer says nothing about this one.
    made_up = _urls({**world.ids, "uncirculated_id": 987654}, "uncirculated_id")[2:]
    for url, other in zip(managers, made_up, strict=True):
        assert client.get(url).status_code == client.get(other).status_code == 403, url
    assert client.post(
        f"/cases/{world.ids['case_id']}/drafts/versions/{world.ids['uncirculated_id']}/comments/new",
        data={"location": "p1", "text": "x"},
    ).status_code in (403, 404)
    # Nor through a comparison with it.
    ids = world.ids
    compare = f"/cases/{ids['case_id']}/drafts/versions/{ids['version_id']}/compare/{ids['uncirculated_id']}"
    assert client.get(compare).status_code == 404


@pytest.mark.parametrize("principal", READERS)
def test_the_drafts_page_lists_only_circulated_versions_to_readers(app, world, client_for, principal):
    text = page_text(client_for(principal).get(f"/cases/{world.ids['case_id']}/drafts"))
    assert "Draft 2" in text and "Draft 1" in text
    assert "Draft 3" not in text and "Not circulated" not in text


@pytest.mark.parametrize("principal", ["author", "bo"])
def test_the_author_and_business_office_see_the_uncirculated_version(app, world, client_for, principal):
    client = client_for(principal)
    assert "Draft 3" in page_text(client.get(f"/cases/{world.ids['case_id']}/drafts"))
    response = client.get(f"/cases/{world.ids['case_id']}/drafts/versions/{world.ids['uncirculated_id']}")
    assert response.status_code == 200
    assert "Not circulated" in page_text(response) and "Circulate to the panel" in page_text(response)


def test_an_agency_contact_reaches_no_draft(app, world, client_for):
    client = client_for("contact")  # the police's contact, whose agency is involved in case A
    ids = world.ids
    for url in [f"/cases/{ids['case_id']}/drafts", *_urls(ids, "version_id"), *_urls(ids, "uncirculated_id")]:
        assert client.get(url).status_code in (403, 404), url
    case_page = page_text(client.get(f"/cases/{ids['case_id']}"))
    assert "Drafts" not in case_page and "Overview Report" not in case_page


def test_a_member_of_another_case_gets_404_on_every_id(app, world, client_for):
    # The lead of CSP 2 leads case B only; the panel member sits on both panels.
    ids = world.ids
    other = client_for("lead_other")
    for url in _urls(ids, "version_id") + [f"/cases/{ids['case_id']}/drafts"]:
        assert other.get(url).status_code == 404, url
    # Case A's ids under case B's URL: a child loaded through the wrong parent. Readers of case B
    # on its reading pages, the business office (who may open every page of case B) on all of them.
    for principal, pages in (("lead_other", 2), ("panel", 2), ("bo", 4)):
        client = client_for(principal)
        for key in ("version_id", "uncirculated_id"):
            for url in _urls({**ids, "case_b": ids["case_b_id"]}, key, case_key="case_b")[:pages]:
                assert client.get(url).status_code == 404, (principal, url)
        entry = f"/cases/{ids['case_b_id']}/contact-log/{ids['entry_id']}"
        assert client.get(entry).status_code in (403, 404)


def test_case_b_pages_do_not_show_case_a_drafts(app, world, client_for):
    text = page_text(client_for("panel").get(f"/cases/{world.ids['case_b_id']}/drafts"))
    assert "Draft 1" in text and "Draft 2" not in text


def test_the_case_page_shows_the_drafts_task_and_latest_versions(app, world, client_for):
    author = page_text(client_for("author").get(f"/cases/{world.ids['case_id']}"))
    # The trawl's task comes first (it comes first in a review), then the drafts'.
    assert "Work on this review Information trawl" in author and "In progress Drafts Overview Report" in author
    assert "Overview Report Draft 3 : not circulated" in author
    panel = page_text(client_for("panel").get(f"/cases/{world.ids['case_id']}"))
    assert "Overview Report Draft 2 : circulated" in panel and "Draft 3" not in panel
    assert "comments by 12 March 2026" in panel
