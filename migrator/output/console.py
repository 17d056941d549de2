"""The consoles migrator prints to, and how one finding is printed. User text (code, messages,
paths) comes out verbatim: no markup, no emoji codes, no highlighting, no re-wrapping.

Most of what migrator prints is plain lines, written straight to the stream; rich renders what
needs it (lines in color, the table of rules, the progress bar). rich is imported only then: it
takes longer to import than a pre-commit hook takes to check a commit with no OpenAI code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import IO, TYPE_CHECKING, Any, TextIO

from migrator.findings import Finding, Severity

if TYPE_CHECKING:
    import rich.console
    import rich.text


class Console:
    """A stream to print to, and whether in color: rich's console of the same settings, made
    when first needed (`rich`, `print`)."""

    def __init__(self, file: TextIO, color: bool) -> None:
        self.file = file
        self.color_system: str | None = "standard" if color else None

    @cached_property
    def rich(self) -> rich.console.Console:
        from rich.console import Console as RichConsole

        return RichConsole(
            file=self.file,
            force_terminal=self.color_system is not None,
            color_system="standard" if self.color_system else None,
            markup=False,
            emoji=False,
            highlight=False,
            soft_wrap=True,
        )

    def print(self, *objects: Any, **options: Any) -> None:
        """rich's `Console.print`."""
        self.rich.print(*objects, **options)


def make_console(stream: TextIO, color: bool | None = None) -> Console:
    """A console on `stream`; `color` None means: only on a terminal, and not when NO_COLOR is set."""
    if color is None:
        color = isatty(stream) and not os.environ.get("NO_COLOR")
    return Console(stream, color)


def isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def colored(console: Console) -> bool:
    return console.color_system is not None


@dataclass
class Line:
    """A line of text in parts, each with the rich style it is printed in when in color (None:
    none). Without color, `plain` is written as it is, and rich is not needed."""

    parts: list[tuple[str, str | None]] = field(default_factory=list)

    @classmethod
    def of(cls, *parts: str | tuple[str, str | None]) -> Line:
        return cls([(part, None) if isinstance(part, str) else part for part in parts])

    def append(self, text: str, style: str | None = None) -> None:
        self.parts.append((text, style))

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self.parts)

    def rich(self) -> rich.text.Text:
        from rich.text import Text

        return Text.assemble(*((text, style) if style else text for text, style in self.parts))


# --- findings ------------------------------------------------------------------------------------


def needs_human(finding: Finding) -> bool:
    """Left for a person after `apply`: not fixable, and more than a note about a rewrite."""
    return not finding.fixable and finding.severity is not Severity.INFO


def worth_showing_after_fix(finding: Finding) -> bool:
    """What `diff`/`apply` list next to the rewrite: all but the plain "this was rewritten" errors
    (the diff shows those), so notes and --unsafe-fixes assumptions are not missed."""
    return not finding.fixable or finding.severity is not Severity.ERROR


def format_finding(path: str, finding: Finding) -> Line:
    """`path:line:col: CODE [*] message`, as ruff prints it; `[*]`: `apply` fixes it."""
    text = Line()
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
