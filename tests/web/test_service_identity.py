"""Whose service this is: the partnership's name and our own icon, never GOV.UK's crown or Royal Arms.

The crown, the Royal Arms and "Crown copyright" belong to central government's services on
GOV.UK; this portal is a local partnership's, and runs on closed networks where a link to the
National Archives goes nowhere.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from portal.config import ROOT

ORGANISATION = "Blaby and Rutland Safeguarding Test Partnership"
GOVERNMENT_MARKS = (
    "govuk-footer__crown",
    "govuk-footer__copyright-logo",
    "govuk-logo",
    "Crown copyright",
    "©",
    "nationalarchives",
    "open-government-licence",
    "govuk-crest",
    "govuk-icon",
    "govuk-opengraph",
    "/assets/images/",
    "/assets/manifest.json",
)
ICON_LINK_RE = re.compile(r'<link rel="(icon|apple-touch-icon|manifest|mask-icon)"[^>]*href="([^"]+)"')
TYPES = {".ico": "image/vnd.microsoft.icon", ".svg": "image/svg+xml", ".png": "image/png"}


@pytest.fixture
def pages(app, make_user, login_as):
    app.config["ORGANISATION_NAME"] = ORGANISATION
    anonymous = app.test_client()
    signed_in = login_as(make_user(system_role="business_office"))
    return {
        "sign in": anonymous.get("/sign-in"),
        "not found": anonymous.get("/no/such/page"),
        "home": signed_in.get("/home"),
        "register": signed_in.get("/cases"),
    }


def test_no_page_carries_the_crown_the_royal_arms_or_crown_copyright(pages):
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        for mark in GOVERNMENT_MARKS:
            assert mark not in html, (name, mark)
        footer = re.search(r'<footer class="govuk-template__footer">.*?</footer>', html, flags=re.S)
        assert footer, name
        assert ORGANISATION in footer.group(0) and "OFFICIAL-SENSITIVE" in footer.group(0), name
        # Nothing on a page points off the portal: it must work on a closed network.
        assert not re.findall(r'(?:href|src|action)="(?:https?:)?//', html), name


def test_icons_and_manifest_are_our_own_files_and_are_served(app, pages):
    client = app.test_client()
    for name, response in pages.items():
        links = ICON_LINK_RE.findall(response.get_data(as_text=True))
        assert {rel for rel, _ in links} == {"icon", "apple-touch-icon", "manifest"}, name
        for _rel, href in links:
            assert href.startswith("/static/"), (name, href)
    links = dict((href, rel) for rel, href in ICON_LINK_RE.findall(pages["home"].get_data(as_text=True)))
    for href, rel in links.items():
        served = client.get(href)
        assert served.status_code == 200, href
        if rel == "manifest":
            manifest = json.loads(served.get_data(as_text=True))
            assert manifest["name"] == app.config["SERVICE_NAME"]
            icons = {icon["src"]: icon["type"] for icon in manifest["icons"]}
            assert len(icons) >= 3
            for src, kind in icons.items():
                icon = client.get(f"/static/{src}")
                assert icon.status_code == 200 and icon.get_data(), src
                assert kind in (icon.mimetype, "image/x-icon"), (src, icon.mimetype)
        else:
            assert served.mimetype == TYPES[Path(href).suffix], href


def test_govuk_images_are_not_served_but_its_fonts_are(app):
    client = app.test_client()
    for path in ("images/favicon.ico", "images/favicon.svg", "images/govuk-crest.svg", "manifest.json"):
        assert client.get(f"/assets/{path}").status_code == 404, path
    fonts = sorted((ROOT / "static" / "vendor" / "govuk-frontend" / "assets" / "fonts").glob("*.woff2"))
    assert fonts, "static/vendor is not built: run make setup"
    response = client.get(f"/assets/fonts/{fonts[0].name}")
    assert response.status_code == 200 and response.get_data()
