"""`migrator rules` and `migrator explain CODE`: the rules and one rule's documentation.

A rule's documentation is its module's docstring, printed as it is: a first line
`RSPnnn slug: what it does`, then the sections named in `SECTIONS`, in that order, each heading
a line of its own between blank lines, the example as `-` / `+` lines indented four spaces.
`scripts/rule_table.py` makes docs/rules/RSPnnn.md of the same text (tests/test_docs.py checks
that the two say the same).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from migrator.output.console import Console, colored
from migrator.rules import RuleInfo

if TYPE_CHECKING:
    from rich.text import Text

    from migrator.rules import Rule


def print_rules(console: Console, rules: Sequence[RuleInfo]) -> None:
    """One row per rule: code, name, summary (from the rules' catalog: no rule is imported)."""
    if not colored(console):
        # Plain aligned lines when piped: no wrapping, so `migrator rules | grep` sees whole rows.
        width = max((len(rule.slug) for rule in rules), default=0)
        for rule in rules:
            console.file.write(f"{rule.code}  {rule.slug.ljust(width)}  {rule.summary}\n")
        console.file.flush()
        return
    from rich.table import Table  # (rich: see migrator.output.console)
    from rich.text import Text

    table = Table("Code", "Name", "Summary")
    for rule in rules:
        table.add_row(Text(rule.code, "bold"), Text(rule.slug), Text(rule.summary))
    console.print(table, soft_wrap=False)


#: The headings of every rule's documentation, in order.
SECTIONS = ("What it does", "Why", "Example", "Fix safety", "Known problems", "Options")


def section_headings(doc: str) -> list[tuple[int, str]]:
    """(line index, heading) of each section heading in a rule's documentation: a line that is
    one of `SECTIONS`, with a blank line (or the end) on either side."""
    lines = doc.splitlines()
    return [
        (index, line)
        for index, line in enumerate(lines)
        if line in SECTIONS
        and (index == 0 or not lines[index - 1].strip())
        and (index + 1 == len(lines) or not lines[index + 1].strip())
    ]


def print_explain(console: Console, rule: type[Rule]) -> None:
    from rich.text import Text  # (rich: see migrator.output.console)

    # The doc opens with the code and name itself. Color only styles it: the text is the same.
    text = Text(rule.doc() or f"{rule.code} {rule.slug}: {rule.summary}")
    if colored(console):
        _style(text)
    console.print(text, soft_wrap=True)


def _style(text: Text) -> None:
    """Bold headings (and the first paragraph), the example's removed lines red, added lines green."""
    headings = {index for index, _ in section_headings(text.plain)}
    first_paragraph, section, offset = True, None, 0
    for index, line in enumerate(text.plain.splitlines(keepends=True)):
        end = offset + len(line.rstrip("\n"))
        first_paragraph = first_paragraph and bool(line.strip())
        if first_paragraph or index in headings:
            text.stylize("bold", offset, end)
        if index in headings:
            section = line.strip()
        elif section == "Example" and line.startswith(("    -", "    +")):
            text.stylize("red" if line[4] == "-" else "green", offset, end)
        offset += len(line)
