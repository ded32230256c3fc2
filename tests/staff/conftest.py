"""Fixtures for the staff tests."""

import pytest
from argon2 import PasswordHasher

from screening.auth import passwords


@pytest.fixture
def light_password_hashing(monkeypatch):
    """Where signing in is not under test, a light argon2 keeps the tests fast."""
    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", light)
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()
