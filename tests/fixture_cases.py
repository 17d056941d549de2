"""Fixture cases under fixtures/<rule>/<case>/, shared by the golden and equivalence tests.

A case folder holds:
- before.py: the code as a user has it;
- after.py: what `migrator apply` must make of it (absent: the file must not change);
- findings.txt: every finding on before.py, as `line:col: CODE message` (absent: none);
- case.toml (optional): `settings = {...}` (Settings fields), `config = {...}` (a
  `[tool.migrator]` table as a user writes it in pyproject.toml, for the keys that are
  settings: `config = { base-urls = { "$LLM_BASE_URL" = "dashscope" } }`), and
  `runnable = false` with a `reason` for cases that are not programs to run against the fake
  server.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tomllib

from migrator import config
from migrator.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@dataclass(frozen=True)
class Case:
    folder: Path

    @property
    def id(self) -> str:
        return f"{self.folder.parent.name}/{self.folder.name}"

    @property
    def before(self) -> Path:
        return self.folder / "before.py"

    @property
    def after(self) -> Path:
        return self.folder / "after.py"

    @property
    def findings(self) -> Path:
        return self.folder / "findings.txt"

    @property
    def meta(self) -> dict:
        path = self.folder / "case.toml"
        return tomllib.loads(path.read_text()) if path.exists() else {}

    @property
    def settings(self) -> Settings:
        options = {**config.parse(self.meta.get("config", {})), **self.meta.get("settings", {})}
        for key in ("select", "ignore", "extra_models"):
            if key in options:
                options[key] = frozenset(options[key])
        return Settings(**options)

    @property
    def expected_source(self) -> str:
        return (self.after if self.after.exists() else self.before).read_text()

    @property
    def runnable(self) -> bool:
        return self.meta.get("runnable", True)


def all_cases() -> list[Case]:
    return [Case(path.parent) for path in sorted(FIXTURES.glob("*/*/before.py")) if path.parent.parent.name != "demo"]
