"""Fixtures of the attack battery.

Signing in is what many attacks here repeat, but never how long a hash takes: argon2 is made
light for every test of the battery.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _light_password_hashing(light_password_hashing):
    yield
