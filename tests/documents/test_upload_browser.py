"""The upload form in a real browser (Chromium through Playwright): progress with htmx, and a
plain form post with JavaScript switched off."""

from __future__ import annotations

import threading

import pytest
from flask import render_template_string
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.documents import Document
from portal.extensions import db

from . import samples

# The live server adds a page to the app and serves it from another thread (its own connection).
pytestmark = [pytest.mark.browser, pytest.mark.own_app, pytest.mark.committed]

PAGE = """
{% extends "layouts/base.html" %}
{% from "documents/_upload-macro.html" import documentUpload, uploadProgressScript %}
{% block title %}Upload{% endblock %}
{% block main_content %}
  {{ documentUpload({"action": url_for("documents_test.upload")}) }}
{% endblock %}
{% block bodyEnd %}{{ super() }}{{ uploadProgressScript() }}{% endblock %}
"""


@pytest.fixture
def live_url(app):
    from portal.authz.decorators import public

    @public
    def page():
        return render_template_string(PAGE)

    app.add_url_rule("/_documents-test/page", "documents_test_page", page)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def chromium(browser):
    """The session's Chromium (pytest-playwright, configured in tests/conftest.py)."""
    return browser


def documents():
    db.session.expire_all()
    return db.session.scalars(select(Document)).all()


# Records, after our own script has run, what the bar showed at each upload progress event.
RECORD_PROGRESS = """() => {
  window.progressSeen = [];
  document.addEventListener("htmx:xhr:progress", () => {
    const panel = document.querySelector("[data-upload-progress-panel]");
    const status = panel.querySelector("[data-upload-progress-status]").textContent;
    window.progressSeen.push({value: document.querySelector("progress").value, hidden: panel.hidden, status});
  });
}"""


def test_progress_bar_follows_the_upload(app, live_url, chromium):
    # Larger than the test clamd accepts (its StreamMaxLength is small on purpose), so no
    # scanner here: development allows that, and what is under test is the browser side.
    app.config["CLAMD_SOCKET"] = None
    page = chromium.new_page()
    page.goto(f"{live_url}/_documents-test/page")
    assert page.locator("[data-upload-progress-panel]").is_hidden()
    page.evaluate(RECORD_PROGRESS)
    # A slow line, so the upload takes a few seconds and reports progress along the way.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 1024 * 1024},
    )
    data = b"date,agency\n" + b"2024-01-01,Police\n" * 150_000  # about 2.7 MB
    page.set_input_files("input[type=file]", files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": data}])
    page.click("button[type=submit]")
    page.wait_for_function("() => document.body.textContent.includes('\"id\"')", timeout=30_000)

    seen = page.evaluate("window.progressSeen")
    assert seen, "no htmx:xhr:progress events reached the page"
    assert all(not entry["hidden"] for entry in seen)
    assert max(entry["value"] for entry in seen) == 100
    values = [entry["value"] for entry in seen]
    assert len([v for v in values if 0 < v < 100]) >= 5
    assert values == sorted(values)  # never moves backwards, even as the answer downloads
    statuses = [entry["status"] for entry in seen]
    assert {"Uploaded 25%", "Uploaded 50%", "Uploaded 75%"} <= set(statuses)
    assert statuses[-1] == "Upload complete. Checking the file, this may take a moment"
    [document] = documents()
    assert document.size == len(data)


def test_too_large_is_caught_before_uploading(app, live_url, chromium):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    page = chromium.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.method))
    page.goto(f"{live_url}/_documents-test/page")
    page.set_input_files(
        "input[type=file]", files=[{"name": "big.txt", "mimeType": "text/plain", "buffer": b"a" * (2 * 1024 * 1024)}]
    )
    page.click("button[type=submit]")
    error = page.locator("[data-upload-progress-error] p")
    error.wait_for(state="visible")
    assert error.text_content() == "The selected file must be smaller than 1 MB"
    assert "POST" not in requests
    assert documents() == []


def test_without_javascript_the_form_posts_normally(live_url, chromium):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_url}/_documents-test/page")
    page.set_input_files(
        "input[type=file]", files=[{"name": "chronology.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()}]
    )
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert '"id"' in page.content()
    [document] = documents()
    assert document.display_name == "chronology.pdf"
    context.close()
