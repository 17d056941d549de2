"""The rule pages (docs/rules/RSPnnn.md) are what scripts/rule_table.py makes of the rules'
docstrings, `migrator explain CODE` prints each page's text, every docstring has the same
sections in the same order, and the links and paths in the README and docs/ lead somewhere."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.cli import main
from migrator.output.explain import SECTIONS, section_headings
from migrator.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import rule_table

RULES = all_rules()
MARKDOWN = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
#: [text](target) and [text](target "title"), not images' data or bare URLs.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
#: `migrator/...`, `tests/...`, ... in backticks: a file or folder of this repository.
REPO_PATH = re.compile(r"`((?:migrator|tests|scripts|fixtures|docs|bench)/[^`\s]*)`")


def page_path(rule) -> Path:
    return ROOT / "docs" / "rules" / f"{rule.code}.md"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_docstring_has_the_sections_in_order(rule):
    doc = rule.doc()
    assert doc.startswith(f"{rule.code} {rule.slug}: "), doc.splitlines()[0]
    assert [heading for _, heading in section_headings(doc)] == list(SECTIONS)
    # No heading is written twice, nor as anything but a line of its own.
    assert sum(line in SECTIONS for line in doc.splitlines()) == len(SECTIONS)
    lines = doc.splitlines()
    (example,), (after,) = ([i for i, h in section_headings(doc) if h == name] for name in ("Example", "Fix safety"))
    code = [line for line in lines[example + 1 : after] if line.strip()]
    assert code and all(line.startswith("    ") for line in code), "the example: lines indented four spaces"
    for section in ("Fix safety", "Known problems", "Options"):
        start = next(i for i, h in section_headings(doc) if h == section)
        following = [i for i, _ in section_headings(doc) if i > start]
        assert any(line.strip() for line in lines[start + 1 : (following or [len(lines)])[0]]), section


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_page_is_current(rule):
    path = page_path(rule)
    assert path.exists() and path.read_text() == rule_table.page(rule), "run: python scripts/rule_table.py --write"


def test_no_page_without_a_rule():
    pages = {path.name for path in (ROOT / "docs" / "rules").glob("*.md")}
    assert pages == {f"{rule.code}.md" for rule in RULES}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_explain_prints_the_page(rule):
    result = CliRunner().invoke(main, ["explain", rule.code, "--no-color"], catch_exceptions=False)
    assert result.exit_code == 0
    page = page_path(rule).read_text()
    assert result.stdout == rule_table.plain_text(rule, page) + "\n"
    assert result.stdout == rule.doc() + "\n"


def test_plain_text_undoes_the_markdown():
    """The page says what the docstring says: Markdown is all it adds (title, headings, the diff
    fence, links, the fixtures line)."""
    for rule in RULES:
        page = rule_table.page(rule)
        assert rule_table.plain_text(rule, page) == rule.doc()
        assert "## " + "\n## ".join(SECTIONS) == "\n".join(line for line in page.splitlines() if line.startswith("## "))
        assert "```diff\n" in page


def _links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.DOTALL)  # (code blocks hold no links)
    return LINK.findall(text)


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file."""
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.DOTALL)
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda path: str(path.relative_to(ROOT)))
def test_links_lead_somewhere(path):
    for target in _links(path):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        assert linked.exists(), f"{path.relative_to(ROOT)}: {target}"
        if anchor:
            assert anchor in _anchors(linked), f"{path.relative_to(ROOT)}: {target}"


def test_paths_named_in_docs_exist():
    texts = {str(path.relative_to(ROOT)): path.read_text() for path in MARKDOWN}
    texts.update({f"{rule.code} docstring": rule.doc() for rule in RULES})
    missing = []
    for where, text in texts.items():
        for named in REPO_PATH.findall(text):
            if re.search(r"[<>*{}]|nnn|\.\.\.", named):
                continue  # a pattern, not a path
            if not (ROOT / named.rstrip("/")).exists():
                missing.append(f"{where}: {named}")
    assert not missing
