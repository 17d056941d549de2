"""Inline suppressions: `# migrator: ignore`, `# migrator: ignore[RSP003,RSP008]` on a line, and
`# migrator: ignore-file` / `# migrator: ignore-file[RSP004]` anywhere in a file.

A marker on a line suppresses the findings on that line and the rewrites that start on it, for
the codes named (every code without brackets). A rewrite is never half done: when a suppressed
edit or finding belongs to a call that would be migrated (it is inside the call, or covers it or
one of the reads of its result), that whole call stays on Chat Completions, silently. Edits that
belong to no call (a base URL string, say) are simply dropped.

Finding the markers costs nothing when the text `migrator:` does not occur in the file; only
then are comments tokenized (markers inside strings do not count).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, field

import libcst as cst

from migrator.rules.base import Suppressions as Marks
from migrator.syntax import Edit, SourceTree
from migrator.analysis import CompletionCall

#: Stands for "every code" in a set of suppressed codes.
EVERY = "*"

_MARKER = re.compile(r"#\s*migrator:\s*ignore(?P<file>-file)?(?:\[(?P<codes>[^\]]*)\])?(?![\w-])", re.IGNORECASE)


@dataclass
class Suppressions:
    #: Line number (1-based) → codes suppressed there.
    lines: dict[int, frozenset[str]] = field(default_factory=dict)
    #: Codes suppressed in the whole file.
    file: frozenset[str] = frozenset()

    @property
    def whole_file(self) -> bool:
        """`# migrator: ignore-file` without codes: the file is not looked at at all."""
        return EVERY in self.file

    def covers(self, line: int, code: str) -> bool:
        for codes in (self.file, self.lines.get(line, frozenset())):
            if EVERY in codes or code in codes:
                return True
        return False


def scan(source: str) -> Suppressions | None:
    """The markers in `source`'s comments; None when there are none (the usual, cheap case)."""
    if "migrator:" not in source.lower():
        return None
    suppressions = Suppressions()
    for line, comment in _comments(source):
        for match in _MARKER.finditer(comment):
            codes = _codes(match.group("codes"))
            if match.group("file"):
                suppressions.file |= codes
            else:
                suppressions.lines[line] = suppressions.lines.get(line, frozenset()) | codes
    if not suppressions.lines and not suppressions.file:
        return None
    return suppressions


def _codes(text: str | None) -> frozenset[str]:
    if text is None:
        return frozenset({EVERY})
    return frozenset(code.strip().upper() for code in text.split(",") if code.strip())


def _comments(source: str) -> Iterable[tuple[int, str]]:
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.string
    except (tokenize.TokenError, SyntaxError):
        # Not tokenizable as a whole (the parser will say why): read comments line by line.
        for number, line in enumerate(source.splitlines(), 1):
            if "#" in line:
                yield number, line[line.index("#") :]


class HeldEditsTree(SourceTree):
    """The engine's tree: holds the edits rules ask for, each with the code of the rule asking,
    until `commit`, so that suppressed ones can be dropped and later passes know what changed."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(module)
        self.rule_code: str | None = None
        self._held: list[tuple[cst.CSTNode, Edit, str | None]] | None = []

    def edit(self, node: cst.CSTNode, change: Edit) -> None:
        if self._held is None:
            super().edit(node, change)
        else:
            self._held.append((node, change, self.rule_code))

    def commit(self, suppressions: Marks | None) -> tuple[list[cst.CSTNode], list[cst.CSTNode]]:
        """Register the held edits but the suppressed ones; later edits go straight through.
        Returns the nodes edited and the nodes whose edits were dropped."""
        held, self._held = self._held or [], None
        edited, dropped = [], []
        for node, change, code in held:
            if suppressions is not None and code is not None and suppressions.covers(self.position(node)[0], code):
                dropped.append(node)
            else:
                super().edit(node, change)
                edited.append(node)
        return edited, dropped


def calls_touched(tree: SourceTree, sites: list[CompletionCall], nodes: Iterable[cst.CSTNode]) -> set[cst.Call]:
    """The calls of the migrated `sites` that any of `nodes` (suppressed edits and findings) is part of:
    a node inside the call or one of its result reads, or a node that contains one of them."""
    touched = set()
    for node in nodes:
        around = {node, *tree.ancestors(node)}
        for site in sites:
            if not site.migrate or site.call in touched:
                continue
            anchors = [site.call, *(use.chain[-1] for use in site.uses)]
            if any(anchor in around or node in tree.ancestors(anchor) for anchor in anchors):
                touched.add(site.call)
    return touched
