"""The rule registry: every module in this package defines one `Rule` subclass.

Adding a rule means adding a module here and its fixtures under `fixtures/<slug>/`; the CLI's
`rules` command, the README table and the tests all read this registry.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from migrator.engine.core import FileContext


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


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule, in code order (which is also the order they plan and apply in)."""
    rules = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
            ):
                value.slug = info.name.replace("_", "-")
                rules.append(value)
    return tuple(sorted(rules, key=lambda rule: rule.code))


def rule_by_code(code: str) -> type[Rule] | None:
    return next((rule for rule in all_rules() if rule.code == code.upper()), None)
