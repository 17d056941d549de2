"""Shared fixtures for the test suite."""

import pytest
from fake_dashscope import FakeDashScope


@pytest.fixture(scope="session")
def fake_dashscope():
    """A fake DashScope compatible-mode server on 127.0.0.1, shared by the session."""
    with FakeDashScope() as server:
        yield server
