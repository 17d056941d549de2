"""Options that change what the rules do; the CLI and the tests build these."""

from __future__ import annotations

from dataclasses import dataclass, field

EFFORT_LEVELS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


@dataclass(frozen=True)
class Settings:
    #: Rule codes to run (None: all of them) and codes to leave out.
    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    #: `reasoning.effort` written where the Chat call had `enable_thinking: True`.
    thinking_effort: str = "medium"
    #: Add `reasoning={"effort": "none"}` to DashScope calls that never set `enable_thinking`.
    preserve_nonthinking: bool = False
    #: Also make the rewrites that rest on an assumption the tool cannot check
    #: (each one is still reported, with the assumption named).
    unsafe_fixes: bool = False
    #: Turn conversations kept by hand into `previous_response_id` chains where provably safe.
    history_chains: bool = True
    #: With chains: add DashScope's `x-dashscope-session-cache: enable` header to the client.
    session_cache: bool = False
    #: Models to accept on DashScope besides the documented list.
    extra_models: frozenset[str] = field(default_factory=frozenset)

    def rule_enabled(self, code: str) -> bool:
        if code in self.ignore:
            return False
        return self.select is None or code in self.select
