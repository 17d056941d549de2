"""One source text in, new text and findings out, with no I/O: the prefilter, the rules' plan /
decide / apply, suppressions, the round-trip and parse checks, and the layout and TODO passes.

Importing this package imports neither LibCST nor black nor the rules: the prefilter
(`migrator.engine.prefilter`) and `Result` must be usable by runs that never parse a file. The
names of the core (`migrate_source` and the rest) are imported from `core` when first asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migrator.engine.result import Result

if TYPE_CHECKING:
    from migrator.engine.core import could_apply, enabled_rules, migrate_source
    from migrator.engine.safe_parsing import InternalError, SourceError

__all__ = ["InternalError", "Result", "SourceError", "could_apply", "enabled_rules", "migrate_source"]

_FROM_CORE = ("could_apply", "enabled_rules", "migrate_source")
_FROM_SAFE_PARSING = ("InternalError", "SourceError")


def __getattr__(name: str) -> object:
    """The names of the core, imported when first asked for (with LibCST, black and the rules)."""
    if name in _FROM_CORE:
        from migrator.engine import core

        return getattr(core, name)
    if name in _FROM_SAFE_PARSING:
        from migrator.engine import safe_parsing

        return getattr(safe_parsing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
