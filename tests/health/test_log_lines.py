"""The application log's lines (portal/web/logs.py), read from standard error as a process manager would."""

from __future__ import annotations

import json
import logging
import re

import pytest

from portal.config import ConfigError
from portal.web import logs


@pytest.fixture
def json_logs(app):
    logs.configure("json")
    yield
    logs.configure(app.config["LOG_FORMAT"])


def lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]


def test_each_request_is_one_json_line_with_its_id_and_no_query(app, client, json_logs, capsys):
    capsys.readouterr()
    response = client.get("/sign-in?next=/cases&token=secret-looking-value", headers={"X-Request-Id": "proxy-id-12345"})
    assert response.headers["X-Request-Id"] == "proxy-id-12345"
    [line] = [e for e in lines(capsys) if e["logger"] == "portal.request"]
    assert line["request_id"] == "proxy-id-12345" and line["message"] == "GET /sign-in 200"
    assert (line["method"], line["path"], line["status"], line["user_id"]) == ("GET", "/sign-in", 200, None)
    assert line["level"] == "INFO" and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+\+00:00", line["time"])


@pytest.mark.parametrize(
    "given", ["", "short", "has spaces in it", "x" * 129, "semi;colon-1234", "ünïcode-12345"], ids=range(6)
)
def test_a_missing_or_odd_request_id_is_replaced(app, client, json_logs, capsys, given):
    response = client.get("/healthz", headers={"X-Request-Id": given} if given else {})
    made = response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert [e["request_id"] for e in lines(capsys) if e["logger"] == "portal.request"] == [made]


def test_messages_during_a_request_carry_its_id_and_newlines_cannot_forge_lines(app, json_logs, capsys):
    with app.test_request_context("/"):
        app.preprocess_request()
        logging.getLogger("portal.somewhere").warning("typed: %s", 'first\n{"level": "INFO", "forged": true}')
        request_id = logs.current_request_id()
    [entry] = [e for e in lines(capsys) if e["logger"] == "portal.somewhere"]
    assert entry["request_id"] == request_id and "forged" in entry["message"]  # inside the message, not a line


def test_the_text_format_keeps_one_record_to_a_line(app, capsys):
    logs.configure("text")
    logging.getLogger("portal.somewhere").warning("a\nb")
    err = capsys.readouterr().err
    assert "a\\nb" in err and "\nb" not in err


def test_an_unknown_log_format_stops_the_start(app):
    from portal import create_app

    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        create_app({**app.config, "LOG_FORMAT": "xml"})
