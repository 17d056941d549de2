"""The rules' catalog (`migrator.rules.CATALOG`) says what the rule classes declare.

The command line lists the rules, checks codes and prefilters files from the catalog, without
importing a rule: a rule added, or whose triggers, summary or `needs_openai_import` changed,
without its line in the catalog would be listed wrongly, or worse, its files skipped by the
prefilter. This test fails then, and prints the line to put in the catalog."""

from __future__ import annotations

import dataclasses

from migrator.files import text_files as textfiles
from migrator.rules import CATALOG, RuleInfo, all_rules, rule_info
from migrator.rules.legacy_base_url import LegacyBaseUrl


def declared() -> list[RuleInfo]:
    """What the rule classes declare, in code order."""
    return [RuleInfo(r.code, r.slug, r.summary, tuple(r.triggers), r.needs_openai_import) for r in all_rules()]


def test_the_catalog_says_what_the_rules_declare():
    expected = declared()
    wrong = [info for info in expected if info not in CATALOG]
    assert not wrong, "migrator/rules/__init__.py, CATALOG: these lines are missing or out of date:\n" + "\n".join(
        f"    {info!r}," for info in wrong
    )
    assert list(CATALOG) == expected, "CATALOG must list every rule once, in code order, and no other"


def test_the_catalog_check_catches_a_rule_that_changed(monkeypatch):
    """A rule given a new trigger without its catalog line makes the test above fail."""
    monkeypatch.setattr(LegacyBaseUrl, "triggers", (*LegacyBaseUrl.triggers, "/api/v3/"))
    assert dataclasses.replace(rule_info("RSP004"), triggers=LegacyBaseUrl.triggers) in declared()
    assert list(CATALOG) != declared()


def test_rule_info_finds_a_code_in_any_case():
    assert rule_info("rsp004") is rule_info("RSP004") is CATALOG[3]
    assert rule_info("RSP999") is None


def test_text_files_are_the_legacy_url_rules():
    assert textfiles.RULES == (LegacyBaseUrl.code,)
