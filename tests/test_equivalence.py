"""Prove behavior: each fixture program prints the same before and after migration.

Both versions run with the real `openai` SDK against the fake DashScope server. The fixture
files keep their real DashScope URLs (the codemod must see those); only the copies that run
get the host swapped for the fake server's address, and OPENAI_BASE_URL points clients with
no base_url there too. Nothing reaches any address but 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from fixture_cases import all_cases

from migrator.engine import migrate_source

DASHSCOPE_HOST = re.compile(r"https://dashscope(?:-intl|-us)?\.aliyuncs\.com")
RUN_TIMEOUT = 30

CASES = [case for case in all_cases() if case.runnable]


def run_program(source: str, folder, server) -> subprocess.CompletedProcess:
    path = folder / "program.py"
    path.write_text(DASHSCOPE_HOST.sub(server.base_url, source))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "OPENAI_API_KEY": "test-key",
        "DASHSCOPE_API_KEY": "test-key",
        "OPENAI_BASE_URL": f"{server.base_url}/compatible-mode/v1",
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONHASHSEED": "0",
    }
    return subprocess.run(
        [sys.executable, str(path)], cwd=folder, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_migrated_program_prints_the_same(case, fake_dashscope, tmp_path):
    before_source = case.before.read_text()
    after_source = migrate_source(before_source, case.settings).new_source
    (tmp_path / "before").mkdir()
    (tmp_path / "after").mkdir()
    before = run_program(before_source, tmp_path / "before", fake_dashscope)
    seen = len(fake_dashscope.requests)
    after = run_program(after_source, tmp_path / "after", fake_dashscope)
    after_paths = [request.path for request in fake_dashscope.requests[seen:]]
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
