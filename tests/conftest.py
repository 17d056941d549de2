"""Shared fixtures for the test suite."""

import pytest
from fake_dashscope import FakeDashScope


@pytest.fixture(scope="session")
def fake_dashscope():
    """A fake DashScope compatible-mode server on 127.0.0.1, shared by the session."""
    with FakeDashScope() as server:
        yield server


@pytest.fixture(scope="session")
def second_fake_dashscope():
    """Another one, so that a program and its migrated version can run at the same time, each
    with a server (and a request log) of its own."""
    with FakeDashScope() as server:
        yield server
