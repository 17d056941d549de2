"""Prove behavior: each fixture program prints the same before and after migration.

Both versions run with the real `openai` SDK against the fake DashScope server. The fixture
files keep their real DashScope URLs (the codemod must see those); only the copies that run
get the host swapped for the fake server's address, and OPENAI_BASE_URL points clients with
no base_url at its OpenAI path, where content parts are checked as OpenAI's API checks them. Nothing reaches any address but 127.0.0.1.
"""

from __future__ import annotations


import pytest
from fixture_cases import all_cases
from programs import finished, start_program

from migrator.engine import migrate_source

CASES = [case for case in all_cases() if case.runnable]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_migrated_program_prints_the_same(case, fake_dashscope, second_fake_dashscope, tmp_path):
    before_source = case.before.read_text()
    after_source = migrate_source(before_source, case.settings).new_source
    (tmp_path / "before").mkdir()
    (tmp_path / "after").mkdir()
    # Both at once (most of their time is the SDK's import), each with a server of its own.
    seen = len(second_fake_dashscope.requests)
    running = start_program(before_source, tmp_path / "before", fake_dashscope)
    after = finished(start_program(after_source, tmp_path / "after", second_fake_dashscope))
    before = finished(running)
    # (a program that prints a URL prints its own server's address)
    before.stdout = before.stdout.replace(fake_dashscope.base_url, "<server>")
    after.stdout = after.stdout.replace(second_fake_dashscope.base_url, "<server>")
    after_paths = [request.path for request in second_fake_dashscope.requests[seen:]]
    if case.meta.get("before_fails"):
        # Code left on a path the service no longer serves fails; the migrated code works.
        assert before.returncode != 0, before.stdout
        assert after.returncode == 0, after.stderr
        return
    assert before.returncode == 0, before.stderr
    assert before.stdout.strip(), "a runnable fixture must print something to compare"
    assert (after.returncode, after.stdout) == (before.returncode, before.stdout), after.stderr
    if "responses.create(" in after_source:
        # The migrated program really talks to the Responses endpoint.
        assert any(path.endswith("/responses") for path in after_paths), after_paths
