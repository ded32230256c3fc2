"""The app factory: layered config and a refusal to run with a placeholder secret."""

import pytest

from screening import create_app
from screening.config import write_instance_config


def test_front_page_lists_the_treatments(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"PDO smooth threads" in response.data


def test_test_config_overrides_defaults():
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "CLINIC_NAME": "Test Clinic"})
    assert app.config["CLINIC_NAME"] == "Test Clinic"
    assert app.config["CLINIC_TIMEZONE"] == "America/Los_Angeles"


def test_refuses_to_start_with_placeholder_secret_outside_testing():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"TESTING": False, "SECRET_KEY": "change-me"})


def test_first_start_writes_a_random_secret_once(tmp_path):
    config_file = write_instance_config(tmp_path / "instance")
    first = config_file.read_text()
    assert "SECRET_KEY = '" in first
    write_instance_config(tmp_path / "instance")
    assert config_file.read_text() == first
    assert config_file.stat().st_mode & 0o777 == 0o600
