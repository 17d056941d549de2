"""The rule registry: every module in this package defines one `Rule` subclass.

Adding a rule means adding a module here and its fixtures under `fixtures/<slug>/`; the CLI's
`rules` command, the README table and the tests all read this registry.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from migrator.rules.base import FileContext, Rule

__all__ = ["FileContext", "Rule", "all_rules", "rule_by_code"]


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
