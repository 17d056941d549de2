"""RSP030 across files: a project's tests move with the code their doubles stand in for
(fixtures/mock-clients/project), proven by running the project's own tests with pytest before
and after `apply`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from fixture_cases import FIXTURES

PROJECT = FIXTURES / "mock-clients" / "project"


def project_tests(root: Path) -> subprocess.CompletedProcess[str]:
    """The project's tests, as its developers run them (its own pyproject.toml, no plugins of ours)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "tests"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def migrator(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line, as a user runs it in the project (its pyproject.toml declares the
    endpoint of the clients that are parameters)."""
    ran = subprocess.run(
        [sys.executable, "-m", "migrator", *args, "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode in (0, 1), ran.stderr
    return ran


def tree_text(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): path.read_text()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_the_project_tests_pass_before_and_after_apply(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(PROJECT / "before", root)
    before = project_tests(root)
    assert before.returncode == 0, before.stdout + before.stderr
    migrator(root, "apply")
    assert tree_text(root) == tree_text(PROJECT / "after")
    after = project_tests(root)
    assert after.returncode == 0, after.stdout + after.stderr
    assert "15 passed" in after.stdout
    # the argument check moved with the code; the module whose migration changes what it sends stayed
    assert (
        'responses.create.assert_called_once_with(\n        model="qwen-plus", input='
        in (root / "tests" / "test_titles.py").read_text()
    )
    assert "chat.completions.create" in (root / "shop" / "captions.py").read_text()
    assert "chat.completions.create" in (root / "shop" / "greetings.py").read_text()
    assert "0 changed" in migrator(root, "apply").stderr, "a second run changes nothing"


def test_without_the_rule_the_code_moves_alone_and_its_tests_fail(tmp_path):
    """Why RSP030 exists: the same run with it turned off migrates the code and leaves the
    doubles of its tests on Chat Completions, whose tests then fail."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT / "before", root)
    migrator(root, "apply", "--ignore", "RSP030")
    assert "responses.create" in (root / "shop" / "titles.py").read_text()
    assert "chat.completions.create.return_value" in (root / "tests" / "test_summaries.py").read_text()
    assert project_tests(root).returncode != 0


def test_the_findings_name_the_test_that_keeps_a_module(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(PROJECT / "before", root)
    report = json.loads(migrator(root, "check", "--format", "json").stdout)
    findings = {
        (Path(f["path"]).name, f["line"], f["code"], f["fixable"]): f["message"]
        for f in report["findings"]
        if f["code"] == "RSP030"
    }
    kept = findings[("captions.py", 11, "RSP030", False)]
    assert "tests/test_captions.py:9" in kept
    assert (
        "it checks the arguments of the Chat call, and the migration would change what the call sends: RSP025" in kept
    )
    assert "stays on Chat Completions" in findings[("test_captions.py", 9, "RSP030", False)]
    assert "`messages` → `input` in its argument checks" in findings[("test_titles.py", 9, "RSP030", True)]
    # one finding per double, where it is made; those that move say so
    patched = findings[("greetings.py", 16, "RSP030", False)]
    assert "tests/test_greetings.py:6" in patched and "it patches `openai.resources.chat.completions" in patched
    assert "(shop.greetings) stays on Chat Completions" in findings[("test_greetings.py", 6, "RSP030", False)]
    assert sorted(key for key in findings if key[0] not in ("captions.py", "greetings.py")) == [
        ("test_assistant.py", 9, "RSP030", True),
        ("test_assistant.py", 18, "RSP030", True),
        ("test_assistant.py", 27, "RSP030", True),
        ("test_assistant.py", 40, "RSP030", True),
        ("test_assistant.py", 47, "RSP030", True),
        ("test_captions.py", 9, "RSP030", False),
        ("test_greetings.py", 6, "RSP030", False),
        ("test_summaries.py", 13, "RSP030", True),
        ("test_summaries.py", 25, "RSP030", True),
        ("test_titles.py", 9, "RSP030", True),
        ("test_titles.py", 20, "RSP030", True),
        ("test_titles.py", 28, "RSP030", True),
        ("test_titles_shared.py", 6, "RSP030", True),
    ]
