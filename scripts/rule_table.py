"""Print the README's rule table from the rule registry (`--write` updates README.md).

tests/test_readme.py fails when the README's table differs from what this prints, so the
table can never drift from the rules.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from migrator.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def example(doc: str) -> str:
    """The `-` / `+` lines of the docstring's example, joined for a table cell."""
    lines = [line.strip() for line in doc.splitlines() if re.match(r"^\s{4}[-+] ", line)]
    return "<br>".join(f"`{line}`" for line in lines) if lines else ""


def table() -> str:
    rows = [
        "| Code | Rule | What it does | Example | Fixtures |",
        "|---|---|---|---|---|",
    ]
    for rule in all_rules():
        summary = rule.summary.replace("|", "\\|")
        cell = example(rule.doc()).replace("|", "\\|")
        rows.append(
            f"| {rule.code} | `{rule.slug}` | {summary} | {cell} | [fixtures/{rule.slug}](fixtures/{rule.slug}) |"
        )
    return "\n".join(rows)


def readme_with_table(readme: str) -> str:
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    return pattern.sub(lambda _: f"{START}\n{table()}\n{END}", readme)


if __name__ == "__main__":
    if "--write" in sys.argv:
        path = ROOT / "README.md"
        path.write_text(readme_with_table(path.read_text()))
    else:
        print(table())
