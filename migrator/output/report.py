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
import time
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from rich.color import ColorSystem
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.style import Style
from rich.table import Table
from rich.text import Text

from migrator import __version__
from migrator.files.run import STDIN_NAME, Outcome
from migrator.findings import Finding, Severity
from migrator.rules import all_rules

DIFF = "diff"
APPLY = "apply"
CHECK = "check"

#: `check --format` values.
TEXT = "text"
JSON = "json"
GITHUB = "github"
SARIF = "sarif"
CHECK_FORMATS = (TEXT, JSON, GITHUB, SARIF)


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

    Exit codes: 2 when any file failed (or a notebook cell did not parse); else 1 when, for
    `check`, an error or warning was found; for `diff`, something would change or needs a
    human; for `apply`, something needs a human; else 0.
    """

    command: str
    out: Console
    err: Console
    binary_out: BinaryIO | None = None  # for `apply -`
    quiet: bool = False
    json_format: bool = False
    #: How `check` prints findings: one of CHECK_FORMATS (json_format=True means JSON too).
    check_format: str = TEXT
    files: int = 0
    skipped: int = 0
    changed: int = 0
    failed: int = 0
    #: Notebook cells that do not parse, in notebooks whose other cells were migrated.
    cells_failed: int = 0
    findings: list[tuple[str, Finding]] = field(default_factory=list)
    #: (path, message) for every file that failed and every notebook cell that does not parse.
    errors: list[tuple[str, str]] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.files += 1
        if outcome.is_stdin and self.command == APPLY:
            self._write_stdin_result(outcome)
        for message in outcome.cell_errors:  # a notebook's cells that do not parse: errors of the file
            self.cells_failed += 1
            self._error(outcome.display, message)
        if outcome.error is not None:
            self.failed += 1
            self._error(outcome.display, outcome.error)
            return
        result = outcome.result
        assert result is not None
        self.skipped += not result.parsed
        self.changed += result.changed
        self.findings.extend((outcome.display, f) for f in result.findings)
        if self.command == DIFF and result.changed:
            fromfile, tofile = diff_paths(outcome)
            for label, old, new in outcome.diff_parts():  # a notebook: one diff per changed cell
                print_diff(self.out, unified_diff(old, new, fromfile + label, tofile + label))
        elif self.command == APPLY and outcome.written:
            self._line(self.err, Text.assemble(("fixed: ", "green"), outcome.display))
        elif self.command == CHECK and self.check_format == GITHUB:
            for finding in result.findings:
                self._raw(self.out, github_annotation(outcome.display, finding))
        elif self.command == CHECK and not self.json_format and self.check_format == TEXT:
            for finding in result.findings:
                self._line(self.out, format_finding(outcome.display, finding))

    def finish(self) -> int:
        if self.command == CHECK and (self.json_format or self.check_format == JSON):
            self._print_json()
        elif self.command == CHECK and self.check_format == SARIF:
            log = sarif_log(self.findings, self.errors, all_rules())
            self._raw(self.out, json.dumps(log, indent=2, ensure_ascii=False) + "\n")
        elif self.command in (DIFF, APPLY):
            for path, finding in self.findings:
                if worth_showing_after_fix(finding):
                    self._line(self.err, format_finding(path, finding))
        if not self.quiet:
            self._line(self.err, Text(self.summary()))
        return self.exit_code()

    def exit_code(self) -> int:
        if self.failed or self.cells_failed:
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
        if self.cells_failed:
            text += f", {_plural(self.cells_failed, 'notebook cell')} not parsed"
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

    def _error(self, path: str, message: str) -> None:
        """A file (or a notebook cell) that could not be processed: in `errors`, one line on
        stderr, and with `check --format github` an annotation."""
        self.errors.append((path, message))
        self._line(self.err, Text.assemble(("error", "bold red"), f": {path}: {message}"))
        if self.command == CHECK and self.check_format == GITHUB:
            self._raw(self.out, github_error(path, message))

    @staticmethod
    def _raw(console: Console, text: str) -> None:
        """Machine output, straight to the stream: nothing may render or wrap it."""
        console.file.write(text)
        console.file.flush()

    @staticmethod
    def _line(console: Console, text: Text) -> None:
        if not _colored(console):
            # What rich would print (no colour, no wrapping) at a fraction of its rendering cost:
            # a run over many files prints a line for each.
            console.file.write(text.plain + "\n")
            console.file.flush()
            return
        console.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- progress ----------------------------------------------------------------------------------

#: A run shows a progress bar when it has more files than this, or once it has run this long.
PROGRESS_FILES = 200
PROGRESS_AFTER_SECONDS = 1.0


def progress_wanted(rep: Report) -> bool:
    """Only for a person watching: stderr is a terminal, no `CI` variable, no --quiet."""
    return not rep.quiet and _isatty(rep.err.file) and not os.environ.get("CI")


def with_progress(rep: Report, outcomes: Iterable[Outcome], enabled: bool | None = None) -> Iterator[Outcome]:
    """Yield `outcomes` (a `files.Run`: its `total` is known up front); meanwhile, on a long run,
    show a transient progress bar on stderr. The bar is taken down while an outcome that prints
    something is handed out, so no output line ever mixes with it."""
    if not (progress_wanted(rep) if enabled is None else enabled):
        yield from outcomes
        return
    bar = _ProgressBar(rep, getattr(outcomes, "total", None))
    started = time.monotonic()
    try:
        for outcome in outcomes:
            if not bar.started and (
                (bar.total or 0) > PROGRESS_FILES or time.monotonic() - started > PROGRESS_AFTER_SECONDS
            ):
                bar.start()
            result = outcome.result
            prints = (
                outcome.error
                or outcome.cell_errors
                or outcome.is_stdin
                or (result is not None and (result.findings or result.changed))
            )
            if prints:
                bar.hide()
            yield outcome
            bar.advance()
    finally:
        bar.stop()


class _ProgressBar:
    """rich's Progress, refreshed by hand (no thread: nothing writes to the terminal behind our back)."""

    REFRESH_SECONDS = 0.1

    def __init__(self, rep: Report, total: int | None) -> None:
        self.total = total
        console = Console(file=rep.err.file, force_terminal=True, color_system=rep.err.color_system and "standard")
        self.progress = Progress(
            TextColumn("migrator {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.task = self.progress.add_task(rep.command, total=total)
        self.started = self.shown = False
        self.refreshed = 0.0

    def start(self) -> None:
        self.started = True
        self._show()

    def _show(self) -> None:
        if self.started and not self.shown:
            self.progress.start()
            self.shown = True
            self.refreshed = time.monotonic()

    def hide(self) -> None:
        if self.shown:
            self.progress.stop()  # transient: erases the bar
            self.shown = False

    def advance(self) -> None:
        self.progress.advance(self.task)
        if not self.started:
            return
        now = time.monotonic()
        if not self.shown:
            self._show()
        elif now - self.refreshed >= self.REFRESH_SECONDS:
            self.progress.refresh()
            self.refreshed = now

    def stop(self) -> None:
        self.hide()


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


# --- CI formats: GitHub workflow commands and SARIF -------------------------------------------------

_GITHUB_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(path: str, finding: Finding) -> str:
    """`::error file=a.py,line=4,col=8,title=RSP007::message`, which GitHub Actions shows on the diff."""
    command = _GITHUB_COMMANDS[finding.severity]
    message = finding.message + (" (fixable with `migrator apply`)" if finding.fixable else "")
    where = f"file={_github_property(path)},line={finding.line},col={finding.column}"
    return f"::{command} {where},title={_github_property(finding.code)}::{_github_data(message)}\n"


def github_error(path: str, message: str) -> str:
    """A file that could not be processed, as a GitHub error annotation."""
    return f"::error file={_github_property(path)},title=migrator::{_github_data(message)}\n"


SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _artifact(path: str) -> dict:
    posix = Path(path).as_posix()
    if Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": urllib.parse.quote(posix), "uriBaseId": "%SRCROOT%"}


def _sarif_rule(rule: type) -> dict:
    doc = rule.doc() or f"{rule.code} {rule.slug}: {rule.summary}"
    first_paragraph = " ".join(doc.split("\n\n", 1)[0].split())
    return {
        "id": rule.code,
        "name": rule.slug,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": first_paragraph},
        "help": {"text": doc, "markdown": doc},
        "properties": {"tags": ["migration", "openai-responses"]},
    }


def sarif_log(
    findings: Sequence[tuple[str, Finding]], errors: Sequence[tuple[str, str]], rules: Sequence[type]
) -> dict:
    """A SARIF 2.1.0 log: every rule with its documentation, every finding as a result, every file
    that could not be processed as a tool notification."""
    index = {rule.code: i for i, rule in enumerate(rules)}
    results = []
    for path, finding in findings:
        result = {
            "ruleId": finding.code,
            "level": _SARIF_LEVELS[finding.severity],
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact(path),
                        "region": {"startLine": finding.line, "startColumn": finding.column},
                    }
                }
            ],
            "properties": {"fixable": finding.fixable},
        }
        if finding.code in index:
            result["ruleIndex"] = index[finding.code]
        results.append(result)
    notifications = [
        {
            "level": "error",
            "message": {"text": message},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(path)}}],
        }
        for path, message in errors
    ]
    driver = {"name": "migrator", "version": __version__, "semanticVersion": __version__}
    driver["rules"] = [_sarif_rule(rule) for rule in rules]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [{"executionSuccessful": not errors, "toolExecutionNotifications": notifications}],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
