"""`migrator rules` and `migrator explain CODE`: the rules and one rule's documentation."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from migrator.output.console import colored


def print_rules(console: Console, rules: Sequence[type]) -> None:
    if not colored(console):
        # Plain aligned lines when piped: no wrapping, so `migrator rules | grep` sees whole rows.
        width = max((len(rule.slug) for rule in rules), default=0)
        for rule in rules:
            console.file.write(f"{rule.code}  {rule.slug.ljust(width)}  {rule.summary}\n")
        console.file.flush()
        return
    table = Table("Code", "Name", "Summary")
    for rule in rules:
        table.add_row(Text(rule.code, "bold"), Text(rule.slug), Text(rule.summary))
    console.print(table, soft_wrap=False)


def print_explain(console: Console, rule: type) -> None:
    # The doc opens with the code and name itself.
    console.print(Text(rule.doc() or f"{rule.code} {rule.slug}: {rule.summary}"), soft_wrap=True)
