"""The consoles migrator prints to, and how one finding is printed. User text (code, messages,
paths) comes out verbatim: no markup, no emoji codes, no highlighting, no re-wrapping."""

from __future__ import annotations

import os
from typing import IO, TextIO

from rich.console import Console
from rich.text import Text

from migrator.findings import Finding, Severity


def make_console(stream: TextIO, color: bool | None = None) -> Console:
    """A console on `stream`; `color` None means: only on a terminal, and not when NO_COLOR is set."""
    if color is None:
        color = isatty(stream) and not os.environ.get("NO_COLOR")
    return Console(
        file=stream,
        force_terminal=color,
        color_system="standard" if color else None,
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=True,
    )


def isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def colored(console: Console) -> bool:
    return console.color_system is not None


# --- findings ------------------------------------------------------------------------------------


def needs_human(finding: Finding) -> bool:
    """Left for a person after `apply`: not fixable, and more than a note about a rewrite."""
    return not finding.fixable and finding.severity is not Severity.INFO


def worth_showing_after_fix(finding: Finding) -> bool:
    """What `diff`/`apply` list next to the rewrite: all but the plain "this was rewritten" errors
    (the diff shows those), so notes and --unsafe-fixes assumptions are not missed."""
    return not finding.fixable or finding.severity is not Severity.ERROR


def format_finding(path: str, finding: Finding) -> Text:
    """`path:line:col: CODE [*] message`, as ruff prints it; `[*]`: `apply` fixes it."""
    text = Text()
    text.append(path, "bold")
    cell = getattr(finding, "cell", None)  # a notebook's findings count lines within a cell
    if cell is not None:
        text.append(f":cell {cell}", "bold")
    text.append(f":{finding.line}:{finding.column}: ")
    text.append(finding.code, "bold red" if finding.severity is not Severity.INFO else "bold cyan")
    if finding.fixable:
        text.append(" [*]", "green")
    if finding.severity is Severity.INFO:
        text.append(" note:", "cyan")
    text.append(" " + finding.message)
    return text
