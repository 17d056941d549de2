"""Unified diffs printed exactly: they bypass rich's rendering, which expands tabs and drops the
`\\r` of CRLF lines (the patch would no longer apply)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

from functools import cache
from typing import TYPE_CHECKING

from migrator.files import STDIN_NAME, Outcome
from migrator.output.console import Console, colored

if TYPE_CHECKING:
    from rich.style import Style


def _lines(text: str) -> list[str]:
    # Split on "\n" only: str.splitlines() would also split on \f, \x1c, \u2028 ... inside a line.
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def unified_diff(old: str, new: str, fromfile: str, tofile: str) -> list[str]:
    """difflib's unified diff; content lines keep their own ending (so CRLF files give a CRLF
    patch that applies) and a last line without newline gets the marker `patch` expects."""
    lines = []
    for line in difflib.unified_diff(_lines(old), _lines(new), fromfile, tofile):
        lines.append(line)
        if not line.endswith("\n"):
            lines[-1] += "\n"
            lines.append("\\ No newline at end of file\n")
    return lines


def diff_paths(outcome: Outcome) -> tuple[str, str]:
    """`a/path`, `b/path` for paths under the current directory (for `git apply` / `patch -p1`)."""
    source = outcome.source
    if source is None or source.path is None:
        return STDIN_NAME, STDIN_NAME
    path = source.path
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return path.as_posix(), path.as_posix()
    return f"a/{path.as_posix()}", f"b/{path.as_posix()}"


@cache
def _diff_styles() -> dict[str, Style]:
    """The style of each kind of diff line (rich: imported for the first diff printed in color)."""
    from rich.style import Style

    return {
        "+++": Style(bold=True),
        "---": Style(bold=True),
        "@@": Style(color="cyan"),
        "+": Style(color="green"),
        "-": Style(color="red"),
    }


def print_diff(console: Console, lines: Sequence[str]) -> None:
    """Write the diff verbatim; on a color console wrap each line's body (not its ending) in color."""
    if not colored(console):
        console.file.write("".join(lines))
        console.file.flush()
        return
    from rich.color import ColorSystem

    styles = _diff_styles()
    for index, line in enumerate(lines):
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        prefixes = ("+++", "---") if index < 2 else ("@@", "+", "-")
        style = next((styles[p] for p in prefixes if body.startswith(p)), None)
        console.file.write((style.render(body, color_system=ColorSystem.STANDARD) if style else body) + ending)
    console.file.flush()
