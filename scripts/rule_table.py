"""The rule docs, made from the rule registry: the README's rule table and one page per rule,
docs/rules/RSPnnn.md. `python scripts/rule_table.py` prints the table; `--write` writes the
table into README.md (between its `rules:start` / `rules:end` markers) and every page.

A rule's documentation is its module's docstring (`Rule.doc()`), which `migrator explain CODE`
prints as it is. Its page says the same in Markdown, and nothing else changes:

- the title is `# RSPnnn slug`, and the docstring's first paragraph follows without its
  `RSPnnn slug: ` prefix;
- each section heading (`migrator.output.explain.SECTIONS`) becomes `## <heading>`;
- the example (the Example section: lines indented four spaces) becomes a ```diff block, the
  four spaces removed;
- `docs/<page>.md` and `` `migrator/<path>` `` become links to those files;
- a last line, after a rule (`---`), links the rule's fixtures.

`plain_text(page)` undoes exactly that, so tests/test_docs.py can check that the page on disk
is what `page()` makes and that its text is what `migrator explain` prints.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from migrator.output.explain import SECTIONS, section_headings
from migrator.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = ROOT / "docs" / "rules"
START, END = "<!-- rules:start -->", "<!-- rules:end -->"
FENCE = "```"
INDENT = "    "
#: `docs/chains.md` in a docstring, and the link it is on a page (docs/rules/ is one folder down).
DOCS_PATH = re.compile(r"(?<![\w/\[])docs/([\w.-]+\.md)")
DOCS_LINK = re.compile(r"\[docs/([\w.-]+\.md)\]\(\.\./\1\)")
#: `` `migrator/analysis/chains.py` `` in a docstring, and its link on a page.
CODE_PATH = re.compile(r"(?<!\[)`(migrator/[\w./-]+)`")
CODE_LINK = re.compile(r"\[`(migrator/[\w./-]+)`\]\(\.\./\.\./\1\)")


def table() -> str:
    rows = [
        "| Code | Name | What it does | Fixtures |",
        "|---|---|---|---|",
    ]
    for rule in all_rules():
        summary = rule.summary.replace("|", "\\|")
        rows.append(
            f"| [{rule.code}](docs/rules/{rule.code}.md) | `{rule.slug}` | {summary} "
            f"| [fixtures](fixtures/{rule.slug}) |"
        )
    return "\n".join(rows)


def readme_with_table(readme: str) -> str:
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    return pattern.sub(lambda _: f"{START}\n{table()}\n{END}", readme)


def title(rule) -> str:
    return f"# {rule.code} {rule.slug}"


def footer(rule) -> str:
    return (
        f"Fixtures: [fixtures/{rule.slug}](../../fixtures/{rule.slug}) (before/after pairs, each "
        f"one a test). `migrator explain {rule.code}` prints this page as plain text."
    )


def page(rule) -> str:
    """docs/rules/RSPnnn.md for `rule`, made from its docstring."""
    doc = rule.doc()
    prefix = f"{rule.code} {rule.slug}: "
    if not doc.startswith(prefix):
        raise ValueError(f"{rule.code}: the docstring must start with {prefix!r}")
    headings = {index for index, _ in section_headings(doc)}
    lines, section, fenced = [], None, False
    for index, line in enumerate(doc[len(prefix) :].splitlines()):
        if index in headings:
            if fenced:  # the fence closes before the blank line that ends the example
                lines[-1:] = [FENCE, ""]
                fenced = False
            section = line
            lines.append(f"## {line}")
        elif section == "Example" and line.strip():
            if not line.startswith(INDENT):
                raise ValueError(f"{rule.code}: every line of the example must be indented four spaces")
            if not fenced:
                lines.append(FENCE + "diff")
                fenced = True
            lines.append(line[len(INDENT) :])
        else:
            lines.append(_linked(line))
    if fenced:
        lines.append(FENCE)
    return "\n".join([title(rule), "", *lines, "", "---", "", footer(rule)]) + "\n"


def _linked(line: str) -> str:
    line = DOCS_PATH.sub(r"[docs/\1](../\1)", line)
    return CODE_PATH.sub(r"[`\1`](../../\1)", line)


def plain_text(rule, markdown: str) -> str:
    """The text of a page without its Markdown: what `migrator explain` prints for `rule`."""
    lines = markdown.rstrip("\n").splitlines()
    tail = ["", "---", "", footer(rule)]
    if lines[:2] != [title(rule), ""] or lines[-len(tail) :] != tail:
        raise ValueError(f"{rule.code}: not a rule page (title or last line)")
    body, fenced = [], False
    for line in lines[2 : -len(tail)]:
        if line == FENCE + "diff" and not fenced:
            fenced = True
        elif line == FENCE and fenced:
            fenced = False
        elif fenced:
            body.append(INDENT + line if line else line)
        elif line.startswith("## ") and line[3:] in SECTIONS:
            body.append(line[3:])
        else:
            body.append(CODE_LINK.sub(r"`\1`", DOCS_LINK.sub(r"docs/\1", line)))
    return f"{rule.code} {rule.slug}: " + "\n".join(body)


def write() -> None:
    README.write_text(readme_with_table(README.read_text()))
    PAGES.mkdir(parents=True, exist_ok=True)
    for rule in all_rules():
        (PAGES / f"{rule.code}.md").write_text(page(rule))


if __name__ == "__main__":
    if "--write" in sys.argv:
        write()
    else:
        print(table())
