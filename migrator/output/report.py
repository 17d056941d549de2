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

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from migrator.files import Outcome
from migrator.findings import Finding, Severity

from migrator.output.console import Console, Line, colored, format_finding, needs_human, worth_showing_after_fix
from migrator.output.diffs import diff_paths, print_diff, unified_diff
from migrator.output.formats import github_annotation, github_error, sarif_log

if TYPE_CHECKING:
    from rich.text import Text

DIFF = "diff"
APPLY = "apply"
CHECK = "check"

#: `check --format` values.
TEXT = "text"
JSON = "json"
GITHUB = "github"
SARIF = "sarif"
CHECK_FORMATS = (TEXT, JSON, GITHUB, SARIF)


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
            self._line(self.err, Line.of(("fixed: ", "green"), outcome.display))
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
            # A SARIF log documents every rule with its module's docstring: the one output that
            # imports the rules (and LibCST with them) even when no file was parsed.
            from migrator.rules import all_rules

            log = sarif_log(self.findings, self.errors, all_rules())
            self._raw(self.out, json.dumps(log, indent=2, ensure_ascii=False) + "\n")
        elif self.command in (DIFF, APPLY):
            for path, finding in self.findings:
                if worth_showing_after_fix(finding):
                    self._line(self.err, format_finding(path, finding))
        if not self.quiet:
            self._line(self.err, Line.of(self.summary()))
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

    def summary_counts(self) -> dict[str, int | dict[str, int]]:
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
        self._line(self.err, Line.of(("error", "bold red"), f": {path}: {message}"))
        if self.command == CHECK and self.check_format == GITHUB:
            self._raw(self.out, github_error(path, message))

    @staticmethod
    def _raw(console: Console, text: str) -> None:
        """Machine output, straight to the stream: nothing may render or wrap it."""
        console.file.write(text)
        console.file.flush()

    @staticmethod
    def _line(console: Console, text: Line | Text) -> None:
        if not colored(console):
            # What rich would print (no colour, no wrapping) at a fraction of its rendering cost
            # (a run over many files prints a line for each), and without importing rich.
            console.file.write(text.plain + "\n")
            console.file.flush()
            return
        console.print(
            text.rich() if isinstance(text, Line) else text, markup=False, highlight=False, emoji=False, soft_wrap=True
        )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
