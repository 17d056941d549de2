"""The README's rule table is the registry's, every fixture folder it links exists, and the two
commands of "Try it" are the ones CI runs."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import rule_table


def test_rule_table_is_current():
    readme = (ROOT / "README.md").read_text()
    assert rule_table.readme_with_table(readme) == readme, "run: python scripts/rule_table.py --write"


def test_linked_fixture_folders_exist():
    for line in rule_table.table().splitlines()[2:]:
        folder = line.rsplit("](", 1)[1].rstrip(") |")
        assert (ROOT / folder).is_dir(), folder


def test_try_it_commands():
    readme = (ROOT / "README.md").read_text()
    for command in (
        "python3 -m venv .venv && . .venv/bin/activate && pip install . && migrator diff fixtures/demo",
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && python -m pytest",
    ):
        assert f"\n{command}\n" in readme, command
