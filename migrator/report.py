"""Everything migrator prints.

stdout carries only data: diffs (`diff`), the migrated text (`apply -`), findings (`check`).
Everything else (progress, findings for `diff`/`apply`, errors, the summary) goes to stderr,
so `migrator diff src | git apply` and `migrator apply - < a.py > b.py` just work.

User text (code, diffs, messages, paths) must come out verbatim: the consoles never
interpret markup or emoji codes, never highlight, never re-wrap; and diffs bypass rich's
rendering entirely, because rendering expands tabs and drops the `\\r` of CRLF lines, which
would make the patch no longer apply.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from rich.color import ColorSystem
from rich.console import Console
from rich.style import Style
from rich.table import Table
from rich.text import Text

from migrator.files import STDIN_NAME, Outcome
from migrator.findings import Finding, Severity

DIFF = "diff"
APPLY = "apply"
CHECK = "check"


def make_console(stream: TextIO, color: bool | None = None) -> Console:
    """A console on `stream`; `color` None means: only on a terminal, and not when NO_COLOR is set."""
    if color is None:
        color = _isatty(stream) and not os.environ.get("NO_COLOR")
    return Console(
        file=stream,
        force_terminal=color,
        color_system="standard" if color else None,
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=True,
    )


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _colored(console: Console) -> bool:
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
    text.append(f":{finding.line}:{finding.column}: ")
    text.append(finding.code, "bold red" if finding.severity is not Severity.INFO else "bold cyan")
    if finding.fixable:
        text.append(" [*]", "green")
    if finding.severity is Severity.INFO:
        text.append(" note:", "cyan")
    text.append(" " + finding.message)
    return text


# --- diffs ---------------------------------------------------------------------------------------


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


_DIFF_STYLES = {
    "+++": Style(bold=True),
    "---": Style(bold=True),
    "@@": Style(color="cyan"),
    "+": Style(color="green"),
    "-": Style(color="red"),
}


def print_diff(console: Console, lines: Sequence[str]) -> None:
    """Write the diff verbatim; on a color console wrap each line's body (not its ending) in color."""
    if not _colored(console):
        console.file.write("".join(lines))
        console.file.flush()
        return
    for index, line in enumerate(lines):
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        prefixes = ("+++", "---") if index < 2 else ("@@", "+", "-")
        style = next((_DIFF_STYLES[p] for p in prefixes if body.startswith(p)), None)
        console.file.write((style.render(body, color_system=ColorSystem.STANDARD) if style else body) + ending)
    console.file.flush()


# --- the report of one run -----------------------------------------------------------------------


@dataclass
class Report:
    """Prints each file's outcome as it comes, then the summary; knows the exit code.

    Exit codes: 2 when any file failed; else 1 when, for `check`, an error or warning
    was found; for `diff`, something would change or needs a human; for `apply`,
    something needs a human; else 0.
    """

    command: str
    out: Console
    err: Console
    binary_out: BinaryIO | None = None  # for `apply -`
    quiet: bool = False
    json_format: bool = False
    files: int = 0
    skipped: int = 0
    changed: int = 0
    failed: int = 0
    findings: list[tuple[str, Finding]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.files += 1
        if outcome.is_stdin and self.command == APPLY:
            self._write_stdin_result(outcome)
        if outcome.error is not None:
            self.failed += 1
            self.errors.append((outcome.display, outcome.error))
            self._error_line(outcome.display, outcome.error)
            return
        result = outcome.result
        assert result is not None
        self.skipped += not result.parsed
        self.changed += result.changed
        self.findings.extend((outcome.display, f) for f in result.findings)
        if self.command == DIFF and result.changed:
            print_diff(self.out, unified_diff(result.source, result.new_source, *diff_paths(outcome)))
        elif self.command == APPLY and outcome.written:
            self._line(self.err, Text.assemble(("fixed: ", "green"), outcome.display))
        elif self.command == CHECK and not self.json_format:
            for finding in result.findings:
                self._line(self.out, format_finding(outcome.display, finding))

    def finish(self) -> int:
        if self.command == CHECK and self.json_format:
            self._print_json()
        elif self.command in (DIFF, APPLY):
            for path, finding in self.findings:
                if worth_showing_after_fix(finding):
                    self._line(self.err, format_finding(path, finding))
        if not self.quiet:
            self._line(self.err, Text(self.summary()))
        return self.exit_code()

    def exit_code(self) -> int:
        if self.failed:
            return 2
        if self.command == CHECK:
            blocking = any(f.severity is not Severity.INFO for _, f in self.findings)
        elif self.command == DIFF:
            blocking = self.changed > 0 or self._need_human() > 0
        else:
            blocking = self._need_human() > 0
        return 1 if blocking else 0

    def summary(self) -> str:
        verb = "changed" if self.command == APPLY else "would change"
        text = (
            f"{_plural(self.files, 'file')} checked ({self.skipped} skipped by the prefilter), "
            f"{self.changed} {verb}, {_plural(len(self.findings), 'finding')} ({self._need_human()} need a human), "
            f"{self.failed} failed"
        )
        fixable = sum(f.fixable for _, f in self.findings)
        if self.command == CHECK and fixable:
            text += f"; [*] {fixable} fixable with `migrator apply`"
        return text

    def summary_counts(self) -> dict:
        by_severity = {s.value: sum(f.severity is s for _, f in self.findings) for s in Severity}
        return {
            "files": self.files,
            "skipped_by_prefilter": self.skipped,
            "would_change": self.changed,
            "failed": self.failed,
            "findings": len(self.findings),
            "fixable": sum(f.fixable for _, f in self.findings),
            "need_human": self._need_human(),
            "by_severity": by_severity,
        }

    def _need_human(self) -> int:
        return sum(needs_human(f) for _, f in self.findings)

    def _print_json(self) -> None:
        data = {
            "findings": [{"path": path, **finding.as_dict()} for path, finding in self.findings],
            "errors": [{"path": path, "message": message} for path, message in self.errors],
            "summary": self.summary_counts(),
        }
        # Straight to the stream: machine output must not pass through any rendering.
        self.out.file.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        self.out.file.flush()

    def _write_stdin_result(self, outcome: Outcome) -> None:
        assert self.binary_out is not None
        self.out.file.flush()
        self.binary_out.write(outcome.output_raw)
        self.binary_out.flush()

    def _error_line(self, path: str, message: str) -> None:
        self._line(self.err, Text.assemble(("error", "bold red"), f": {path}: {message}"))

    @staticmethod
    def _line(console: Console, text: Text) -> None:
        console.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- rules and explain ---------------------------------------------------------------------------


def print_rules(console: Console, rules: Sequence[type]) -> None:
    if not _colored(console):
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
