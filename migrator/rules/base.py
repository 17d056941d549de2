"""The whole rule API: `Rule` (plan, decide, apply) and `FileContext` (what a rule sees of one
file: its tree, the shared analysis, the settings, and where findings and edits go).

A rule imports this module, the analysis and the syntax helpers; never the engine, which runs
the rules (`migrator/engine/core.py`) and reads what they leave in the context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

import libcst as cst

from migrator.analysis import REPLY_PATHS, Analysis, CompletionCall, ProjectIndex, ResultUse
from migrator.findings import Severity
from migrator.settings import Settings
from migrator.syntax import SourceTree


class Suppressions(Protocol):
    """What a context asks of the file's `# migrator: ignore` markers (engine/suppressions.py)."""

    def covers(self, line: int, code: str) -> bool: ...


class Rule:
    #: Stable code used by --select / --ignore and suppressions, e.g. "RSP001".
    code: ClassVar[str]
    #: The module's name with dashes; also the fixture folder's name.
    slug: ClassVar[str]
    #: One line, shown by `migrator rules`.
    summary: ClassVar[str]
    #: Text that must occur in a file for this rule to find anything in it. The prefilter
    #: reads files only for these, so a rule must never act on a file without one of them.
    triggers: ClassVar[tuple[str, ...]]
    #: True for a rule that acts only on what the analysis resolves through an import of
    #: `openai` (clients, their calls and results, the SDK's types): the prefilter then also
    #: skips files that never import it. Rules that read plain strings set it False.
    needs_openai_import: ClassVar[bool] = True
    #: True for a rule whose rewrites leave the values a migrated call sends as they were: it
    #: renames a keyword, reads the result differently, or only reports. A test double's checks
    #: of a call's arguments (`assert_called_once_with(messages=...)`) are renamed with the call
    #: only when every rule that rewrote its module says so (RSP030). Rules that change a value
    #: (content parts, tools, `extra_body`, dropped parameters, history) leave it False.
    keeps_sent_values: ClassVar[bool] = False

    def plan(self, ctx: FileContext) -> None:
        """Claim the parameters and result uses this rule can rewrite, or block the call."""

    def decide(self, ctx: FileContext) -> None:
        """After the engine knows which calls migrate: settle rewrites that span several
        statements (and mark what they remove with `ctx.remove`), before any rule applies."""

    def apply(self, ctx: FileContext) -> None:
        """Report findings and register edits for the calls the engine decided to migrate."""

    @classmethod
    def doc(cls) -> str:
        import sys

        return (sys.modules[cls.__module__].__doc__ or "").strip()


@dataclass(eq=False)
class _Report:
    node: cst.CSTNode
    code: str
    message: str
    severity: Severity
    fixable: bool


class FileContext:
    """What rules see of one file: its tree, the shared analysis, the settings, a report."""

    def __init__(
        self,
        tree: SourceTree,
        settings: Settings,
        filename: str,
        project: ProjectIndex | None = None,
        suppressions: Suppressions | None = None,
        kept: frozenset[cst.Call] = frozenset(),
    ) -> None:
        self.tree = tree
        module = project.module_of(filename) if project is not None else None
        self.analysis = Analysis(tree, project, module, is_package=filename.endswith("__init__.py"))
        self.settings = settings
        self.filename = filename
        self.reports: list[_Report] = []
        self._replies: set[int] | None = None
        #: Statements a rule removes; other rules leave what is inside them alone.
        self.removed: set[cst.CSTNode] = set()
        self.suppressions = suppressions
        #: Calls a suppression keeps on Chat Completions (silently).
        self.kept = kept
        self.dropped_edits: list[cst.CSTNode] = []

    def suppressed(self, node: cst.CSTNode, code: str) -> bool:
        """A suppression covers `code` on the line where `node` starts."""
        return self.suppressions is not None and self.suppressions.covers(self.tree.position(node)[0], code)

    @property
    def sites(self) -> list[CompletionCall]:
        return self.analysis.completion_calls

    @property
    def migrated_sites(self) -> list[CompletionCall]:
        return [site for site in self.sites if site.migrate]

    def is_reply(self, expr: cst.BaseExpression) -> bool:
        """Whether `expr` is a call's reply, `<result>.choices[0].message` (or its dump, or the
        message kept in a name): what the history rules append in a message list's place."""
        if self._replies is None:
            self._replies = {id(use.chain[-1]) for site in self.sites for use in site.uses if use.path in REPLY_PATHS}
        return id(expr) in self._replies

    def migrated_uses(self) -> list[ResultUse]:
        """Each result use once, when every call it may read from is migrated."""
        seen, uses = set(), []
        for site in self.migrated_sites:
            for use in site.uses:
                if id(use) not in seen and all(s.migrate for s in use.sites) and not self.is_removed(use.base):
                    seen.add(id(use))
                    uses.append(use)
        return uses

    def remove(self, statement: cst.CSTNode) -> None:
        self.removed.add(statement)

    def is_removed(self, node: cst.CSTNode) -> bool:
        return bool(self.removed) and any(n in self.removed for n in (node, *self.tree.ancestors(node)))

    def report(
        self, node: cst.CSTNode, code: str, message: str, severity: Severity = Severity.ERROR, fixable: bool = True
    ) -> None:
        self.reports.append(_Report(node, code, message, severity, fixable))
