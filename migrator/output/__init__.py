"""Everything migrator prints. stdout carries only data: diffs (`diff`), the migrated text
(`apply -`), findings (`check`, in text, JSON, GitHub or SARIF form); everything else (progress,
findings for `diff`/`apply`, errors, the summary) goes to stderr, so `migrator diff src | git
apply` and `migrator apply - < a.py > b.py` just work."""

from __future__ import annotations

from migrator.output.console import make_console
from migrator.output.explain import print_explain, print_rules
from migrator.output.progress import progress_wanted, with_progress
from migrator.output.report import APPLY, CHECK, CHECK_FORMATS, DIFF, GITHUB, JSON, SARIF, TEXT, Report

__all__ = [
    "APPLY",
    "CHECK",
    "CHECK_FORMATS",
    "DIFF",
    "GITHUB",
    "JSON",
    "SARIF",
    "TEXT",
    "Report",
    "make_console",
    "print_explain",
    "print_rules",
    "progress_wanted",
    "with_progress",
]
