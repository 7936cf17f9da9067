"""Clock targets are a setting (new statutory guidance is expected): CLOCK_TARGETS in the environment."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.cases.clocks import targets
from portal.config import ConfigError, load_config


def test_targets_come_from_the_environment(monkeypatch, app):
    monkeypatch.setenv("CLOCK_TARGETS", '{"completion": 9, "home_office_outcome": 4}')
    config = load_config("development")
    assert config["CLOCK_TARGETS"] == {"completion": 9, "home_office_outcome": 4}
    app.config["CLOCK_TARGETS"] = config["CLOCK_TARGETS"]
    assert targets() == {"decision": 1, "home_office_informed": 1, "completion": 9, "home_office_outcome": 4}


@pytest.mark.parametrize(
    "value", ["not json", "[6]", '{"completion": "six"}', '{"completion": 0}', '{"completion": 2.5}', '{"x": true}']
)
def test_a_malformed_setting_stops_the_start_with_the_reason(monkeypatch, value):
    monkeypatch.setenv("CLOCK_TARGETS", value)
    with pytest.raises(ConfigError, match="CLOCK_TARGETS"):
        load_config("development")


def test_an_unknown_clock_name_stops_the_start(app_config):
    with pytest.raises(ConfigError, match="unknown clocks \\['completon'\\]"):
        create_app({**app_config, "CLOCK_TARGETS": {"completon": 9}})
