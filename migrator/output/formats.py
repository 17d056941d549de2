"""Machine formats of `check`: GitHub Actions workflow commands and a SARIF 2.1.0 log."""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from migrator import __version__
from migrator.findings import Finding, Severity

if TYPE_CHECKING:
    from migrator.rules import Rule

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


def _artifact(path: str) -> dict[str, str]:
    posix = Path(path).as_posix()
    if Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": urllib.parse.quote(posix), "uriBaseId": "%SRCROOT%"}


def _sarif_rule(rule: type[Rule]) -> dict[str, object]:
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
    findings: Sequence[tuple[str, Finding]], errors: Sequence[tuple[str, str]], rules: Sequence[type[Rule]]
) -> dict[str, object]:
    """A SARIF 2.1.0 log: every rule with its documentation, every finding as a result, every file
    that could not be processed as a tool notification."""
    index = {rule.code: i for i, rule in enumerate(rules)}
    results = []
    for path, finding in findings:
        result: dict[str, object] = {
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
    driver: dict[str, object] = {"name": "migrator", "version": __version__, "semanticVersion": __version__}
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
