"""The repository stands on its own: its README and docs/ explain it, and nothing points outside it."""

from __future__ import annotations

import re
import subprocess

import pytest

from portal.config import ROOT

# Built from parts so that this file can be checked like every other.
OUTSIDE = ("../" + "shared", "shared/DOMAIN" + ".md", "/work/" + "shared", "shared/" + "seed")
MARKDOWN_NAME = re.compile(r"[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md\b")


def tracked_text_files() -> dict[str, str]:
    try:
        names = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
        ).stdout.split("\0")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    files = {}
    for name in filter(None, names):
        path = ROOT / name
        if not path.is_file():
            continue  # deleted in the work tree, not yet committed
        try:
            files[name] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images and other binary files
    assert len(files) > 100
    return files


def test_no_tracked_file_points_outside_the_repository():
    offenders = [
        f"{name}: {pattern}" for name, text in tracked_text_files().items() for pattern in OUTSIDE if pattern in text
    ]
    assert not offenders, offenders


def test_every_markdown_file_named_anywhere_is_in_the_repository():
    files = tracked_text_files()
    markdown = {name for name in files if name.endswith(".md")}
    basenames = {name.rsplit("/", 1)[-1] for name in markdown}
    missing = []
    for name, text in files.items():
        for mention in set(MARKDOWN_NAME.findall(text)):
            if "/" in mention:
                folder = name.rsplit("/", 1)[0] if "/" in name else ""
                relative = (ROOT / folder / mention).resolve()
                found = relative.is_file() or (ROOT / mention).is_file()
            else:
                found = mention in basenames
            if not found:
                missing.append(f"{name} names {mention}")
    assert not missing, missing


def test_readme_starts_with_the_two_commands_then_links_to_the_docs():
    readme = (ROOT / "README.md").read_text()
    assert readme.startswith("# Death review portal\n\n```\nmake run\nmake test\n```\n")
    links = re.findall(r"\]\((docs/[^)]+\.md)\)", readme)
    assert {"docs/PROCESS.md", "docs/ROLES.md", "docs/DEPLOYMENT.md", "docs/ACCESS.md"} <= set(links)
    for link in links:
        assert (ROOT / link).is_file(), link


def test_the_process_doc_names_every_stage_and_clock():
    from portal.cases.clocks import CLOCKS
    from portal.cases.models import STAGES

    process = (ROOT / "docs" / "PROCESS.md").read_text().lower()
    for label in STAGES.values():
        words = label.split(":")[0].lower()
        assert words in process, label
    for label, _target in CLOCKS.values():
        assert label.lower() in process, label


def test_every_setting_the_portal_reads_is_documented_for_deployment():
    config = (ROOT / "portal" / "config.py").read_text()
    readers = r"(?:environ\.get|_env_int|_env_bool|_env_days|secret)"
    names = set(re.findall(readers + r"""\(\s*["']([A-Z][A-Z0-9_]+)["']""", config))
    assert {"SECRET_KEY", "DATABASE_URL", "CLAMD_HOST", "MAIL_SERVER", "CLOCK_TARGETS"} <= names
    # gunicorn.conf.py's own settings, read from the environment the same way.
    served = (ROOT / "gunicorn.conf.py").read_text()
    names |= set(re.findall(r"""(?:environ\.get|_int)\(\s*["']([A-Z][A-Z0-9_]+)["']""", served))
    assert {"GUNICORN_WORKERS", "GUNICORN_BIND"} <= names
    deployment = (ROOT / "docs" / "DEPLOYMENT.md").read_text()
    undocumented = sorted(name for name in names if f"`{name}`" not in deployment)
    assert not undocumented, f"add these to docs/DEPLOYMENT.md: {undocumented}"
