"""docs/ACCESS.md is what `flask authz table` prints; they must not drift apart."""

from pathlib import Path

from portal.authz.cli import render_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "ACCESS.md"


def test_access_doc_matches_the_policy(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["authz", "table"])
    assert result.exit_code == 0
    assert result.output == render_table()
    assert DOC.read_text() == result.output, "docs/ACCESS.md is stale: run `flask authz table > docs/ACCESS.md`"


def test_every_action_is_a_row(app):
    from portal.authz import Action

    text = DOC.read_text()
    for action in Action:
        assert f"| {action.value} |" in text
