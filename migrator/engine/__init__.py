"""One source text in, new text and findings out, with no I/O: the prefilter, the rules' plan /
decide / apply, suppressions, the round-trip and parse checks, and the layout and TODO passes."""

from __future__ import annotations

from migrator.engine.core import Result, could_apply, enabled_rules, migrate_source
from migrator.engine.safe_parsing import InternalError, SourceError

__all__ = ["InternalError", "Result", "SourceError", "could_apply", "enabled_rules", "migrate_source"]
