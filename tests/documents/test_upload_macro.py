"""The reusable upload form: GOV.UK markup, a real form without JavaScript, progress with it."""

from __future__ import annotations

import re
from pathlib import Path

from . import samples

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "upload-progress.js"


def form_html(client) -> str:
    response = client.get("/_documents-test/upload")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_form_works_without_javascript(client):
    html = form_html(client)
    form = re.search(r"<form[^>]*>", html).group(0)
    assert 'method="post"' in form
    assert 'action="/_documents-test/upload"' in form
    assert 'enctype="multipart/form-data"' in form
    assert re.search(r'<input class="govuk-file-upload" id="file" name="file" type="file"', html)
    assert re.search(r'<button type="submit"[^>]*class="govuk-button"', html)
    assert 'name="csrf_token"' in html


def test_htmx_attributes_and_progress_bar(client):
    html = form_html(client)
    form = re.search(r"<form[^>]*>", html).group(0)
    assert 'hx-post="/_documents-test/upload"' in form
    assert 'hx-encoding="multipart/form-data"' in form
    assert "data-upload-progress" in form
    assert 'data-max-size="52428800"' in form
    assert 'data-too-large-message="The selected file must be smaller than 50 MB"' in form
    # A labelled <progress>, hidden until JavaScript starts an upload.
    assert '<label class="govuk-label govuk-label--s" for="file-progress">Upload progress</label>' in html
    assert '<progress id="file-progress"' in html
    assert re.search(r"<div[^>]*data-upload-progress-panel hidden>", html)
    assert 'aria-live="polite"' in html


def test_no_inline_script(client):
    response = client.get("/_documents-test/upload")
    html = response.get_data(as_text=True)
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert not re.search(r"hx-on", html)
    tag = re.search(r'<script src="/static/js/upload-progress\.js"[^>]*>', html).group(0)
    nonce = re.search(r'nonce="([^"]+)"', tag).group(1)
    assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]


def test_refusal_is_shown_in_the_govuk_error_style(upload):
    html = upload("report.pdf", samples.png()).get_data(as_text=True)
    assert "govuk-form-group--error" in html
    assert re.search(
        r'<p id="file-error" class="govuk-error-message">\s*<span class="govuk-visually-hidden">Error:', html
    )
    assert 'aria-describedby="file-hint file-error"' in html


def test_script_follows_htmx_upload_events():
    source = SCRIPT.read_text()
    assert "htmx:xhr:progress" in source
    assert "htmx:beforeRequest" in source
    assert "eval(" not in source and "innerHTML" not in source
