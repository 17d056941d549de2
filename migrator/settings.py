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
    #: Follow clients that one module of the project makes and others import (`migrator.analysis.project`).
    follow_imports: bool = True
    #: Models to accept on DashScope besides the documented list.
    extra_models: frozenset[str] = field(default_factory=frozenset)
    #: base_url hosts (exact, or fnmatch patterns such as `*.corp.example`) and the provider each
    #: one is (`dashscope`, `openai` or `other`), for gateways and proxies the tool cannot know.
    provider_overrides: tuple[tuple[str, str], ...] = ()
    #: Where base URLs the code cannot show point (`[tool.migrator.base-urls]`): (key, value)
    #: pairs, the key `$VARIABLE`, a dotted name the code reads, or `*`; the value a provider
    #: (`dashscope`, `openai`, `other`) or a URL (`migrator.analysis.declarations`).
    declared_base_urls: tuple[tuple[str, str], ...] = ()
    #: The models values the code cannot show may hold (`[tool.migrator.models]`), by the same keys.
    declared_models: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Add a `# TODO(migrator): ...` line above each call left on Chat Completions for a human.
    todo_comments: bool = False
    #: Format each changed file with black, using the black configuration of its project.
    black: bool = False
    #: A statement the rewrite changed whose lines grew past this length is laid out as black
    #: would lay it out (None: never); everything else keeps its formatting.
    line_length: int | None = 88
    #: Whether the new code is wanted as it would be written. `check` shows only findings, and
    #: laying statements out (`line_length`) changes none of them, so it lays out nothing (and
    #: so never imports black, the tenth of a second that would cost).
    new_code_shown: bool = True

    def rule_enabled(self, code: str) -> bool:
        if code in self.ignore:
            return False
        return self.select is None or code in self.select
