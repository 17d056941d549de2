"""What the engine gives back for one source text. A module of its own, without LibCST: the
files the prefilter skips get a `Result` too, in runs that never import the engine's core."""

from __future__ import annotations

from dataclasses import dataclass, field

from migrator.findings import Finding


@dataclass
class Result:
    source: str
    new_source: str
    findings: list[Finding] = field(default_factory=list)
    #: False when the prefilter showed no rule can act on the text, so LibCST never parsed it.
    parsed: bool = True
    #: How many Chat Completions calls the rewrite moves to the Responses API.
    migrated_calls: int = 0

    @property
    def changed(self) -> bool:
        return self.new_source != self.source
