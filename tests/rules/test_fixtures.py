"""Every fixture case, through the engine: golden output, golden findings, parse, idempotence."""

from __future__ import annotations

import ast
import os
from dataclasses import replace

import pytest
from fixture_cases import all_cases

from migrator.engine import migrate_source
from migrator.rules import all_rules

CASES = all_cases()
UPDATE = os.environ.get("MIGRATOR_UPDATE_GOLDEN") == "1"


def format_findings(findings) -> str:
    return "".join(f"{f.line}:{f.column}: {f.code} {f.message}\n" for f in findings)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rewrite_matches_golden(case):
    result = migrate_source(case.before.read_text(), case.settings, str(case.before))
    if UPDATE:
        if result.changed:
            case.after.write_text(result.new_source)
        elif case.after.exists():
            case.after.unlink()
    assert result.new_source == case.expected_source


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_findings_match_golden(case):
    result = migrate_source(case.before.read_text(), case.settings, str(case.before))
    text = format_findings(result.findings)
    if UPDATE:
        if text:
            case.findings.write_text(text)
        elif case.findings.exists():
            case.findings.unlink()
    expected = case.findings.read_text() if case.findings.exists() else ""
    assert text == expected


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_expected_output_parses(case):
    ast.parse(case.expected_source)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_second_run_changes_nothing(case):
    once = migrate_source(case.before.read_text(), case.settings).new_source
    twice = migrate_source(once, case.settings)
    assert twice.new_source == once
    assert not any(f.fixable and f.severity.value == "error" for f in twice.findings)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
@pytest.mark.parametrize("line_length", [40, None])
def test_check_reports_the_same_without_laying_out(case, line_length):
    """`check` shows no new code, so it lays out nothing (`Settings.new_code_shown`): the same
    findings, and the same files changed, as when statements are laid out (at a narrow width,
    so that most rewrites are)."""
    laid_out = replace(case.settings, line_length=line_length or case.settings.line_length)
    shown = migrate_source(case.before.read_text(), laid_out, str(case.before))
    not_shown = migrate_source(case.before.read_text(), replace(laid_out, new_code_shown=False), str(case.before))
    assert not_shown.findings == shown.findings
    assert not_shown.changed == shown.changed


def test_every_rule_has_fixtures():
    folders = {case.folder.parent.name for case in CASES}
    missing = [rule.slug for rule in all_rules() if rule.slug not in folders]
    assert not missing


#: Rules that only report (parameters with no Responses equivalent; the pre-1.0 SDK; references
#: to the Chat Completions methods of a client that are not calls).
REPORT_ONLY = frozenset({"RSP007", "RSP027", "RSP028"})
#: Rules whose rewrites need the other files of a run, shown by a project fixture: RSP030 by
#: fixtures/mock-clients/project (tests/rules/test_mock_clients.py).
ACROSS_FILES = frozenset({"RSP030"})


def test_every_rule_has_a_rewrite_and_a_must_not_change_case():
    for rule in all_rules():
        cases = [case for case in CASES if case.folder.parent.name == rule.slug]
        assert any(case.after.exists() for case in cases) or rule.code in REPORT_ONLY | ACROSS_FILES, rule.slug
        noops = [case for case in cases if case.folder.name.startswith("noop_")]
        assert noops, f"{rule.slug} has no noop_ case"
        for case in noops:
            findings = migrate_source(case.before.read_text(), case.settings).findings
            assert not any(f.code == rule.code and f.fixable for f in findings), case.id
