"""The Nu HTML checker (vnu.jar from npm) run once over many pages.

Starting Java costs a few seconds, so pages are written to files and checked in one call.
htmx's ``hx-*`` attributes are the only messages filtered out: they are not in the HTML
standard, and everything else the checker reports is a defect.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from portal.config import ROOT

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# The checker words it as: Attribute “hx-post” not allowed on element “form” at this point.
HTMX_ATTRIBUTES = r".*Attribute “hx-[a-z-]+” not allowed on element .*"
# Warnings (never errors) about markup GOV.UK Frontend writes on purpose, left as the Design System has it:
# the date input's fieldset has role="group" so that JAWS reads its legend, and the service
# navigation's menu button is both hidden and aria-hidden until its JavaScript shows it.
GOVUK_WARNINGS = {
    "The “group” role is unnecessary for element “fieldset”.",
    "Attribute “aria-hidden” is unnecessary for elements that have attribute “hidden”.",
}


def check(pages: dict[str, str], folder: Path) -> dict[str, list[str]]:
    """Validate ``pages`` (name -> HTML); returns name -> problems (errors and warnings) for those with any."""
    java = shutil.which("java")
    assert java, "Java is needed for the HTML checker: install default-jre-headless (make system-deps does)"
    assert VNU_JAR.exists(), "vnu.jar is missing: run `make setup` (npm ci installs vnu-jar)"
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for number, (name, html) in enumerate(pages.items()):
        path = folder / f"{number:03d}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.html"
        path.write_text(html, encoding="utf-8")
        files[path.resolve().as_uri()] = name
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout", "--exit-zero-always"]
        + ["--filterpattern", HTMX_ATTRIBUTES, *[str(folder / Path(uri).name) for uri in files]],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    problems: dict[str, list[str]] = {}
    for message in json.loads(result.stdout)["messages"]:
        url = message.get("url", "")
        name = next((page for uri, page in files.items() if url.endswith(Path(uri).name)), url)
        where = f"line {message.get('lastLine', '?')}"
        kind = message.get("subType") or message["type"]
        if kind == "warning" and message["message"] in GOVUK_WARNINGS:
            continue
        extract = (message.get("extract") or "").strip().replace("\n", " ")[:160]
        problems.setdefault(name, []).append(f"{kind}: {message['message']} ({where}: {extract})")
    return problems
