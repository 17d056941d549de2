"""The rule registry: every module in this package defines one `Rule` subclass.

Adding a rule means adding a module here, its line in `CATALOG` below and its fixtures under
`fixtures/<slug>/`; the CLI's `rules` command, the README table and the tests all read this
registry.

`CATALOG` says, as plain data, what the rule classes declare that a run needs before it parses
anything: their codes (for `--select`), names and summaries (`migrator rules`) and triggers (the
prefilter). The rules themselves import LibCST and the analysis, a third of a second or more
that a run whose files hold no trigger never needs, so they are imported only when a file is
parsed (`all_rules`), and `Rule` and `FileContext` only when first asked for.
`tests/rules/test_catalog.py` checks that `CATALOG` says what the rule classes say, so a rule
added or changed without its line here fails the tests.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from migrator.rules.base import FileContext, Rule

__all__ = ["CATALOG", "FileContext", "Rule", "RuleInfo", "all_rules", "rule_by_code", "rule_info"]


@dataclass(frozen=True)
class RuleInfo:
    """What a rule class declares (`Rule.code`, `slug`, `summary`, `triggers`,
    `needs_openai_import`), known without importing it."""

    code: str
    slug: str
    summary: str
    triggers: tuple[str, ...]
    needs_openai_import: bool = True


#: Every rule, in code order.
CATALOG: tuple[RuleInfo, ...] = (
    RuleInfo(
        "RSP001",
        "chat-completions-create",
        "`chat.completions.create(messages=...)` becomes `responses.create(input=...)`",
        ("completions",),
    ),
    RuleInfo(
        "RSP002",
        "output-text",
        "`.choices[0].message.content` on a migrated result becomes `.output_text`",
        ("completions",),
    ),
    RuleInfo(
        "RSP003",
        "enable-thinking",
        '`extra_body={"enable_thinking": ...}` becomes `reasoning={"effort": ...}`',
        ("completions",),
    ),
    RuleInfo(
        "RSP004",
        "legacy-base-url",
        "legacy `/api/v2/apps/protocols/compatible-mode/v1` URLs become `/compatible-mode/v1`",
        ("/api/v2/apps/protocols/compatible-mode",),
        needs_openai_import=False,
    ),
    RuleInfo(
        "RSP005",
        "history-reply",
        "`history.append(<result>.choices[0].message)` appends an assistant message dict",
        ("completions",),
    ),
    RuleInfo(
        "RSP006",
        "usage-fields",
        "`usage.prompt_tokens` / `completion_tokens` become `input_tokens` / `output_tokens`",
        ("completions",),
    ),
    RuleInfo(
        "RSP007",
        "no-equivalent-parameter",
        "parameters with no Responses equivalent (`n` > 1, `stop`, `seed`, penalties, `top_k`, ...) are reported",
        ("completions",),
    ),
    RuleInfo(
        "RSP008",
        "max-output-tokens",
        "`max_tokens` / `max_completion_tokens` become `max_output_tokens` (at least 16)",
        ("completions",),
    ),
    RuleInfo(
        "RSP009",
        "response-format",
        '`response_format={...}` becomes `text={"format": {...}}` (JSON formats: OpenAI only)',
        ("completions",),
    ),
    RuleInfo(
        "RSP010",
        "function-tools",
        "function tools, `tool_choice` and legacy `functions` take the flat Responses shape",
        ("completions",),
    ),
    RuleInfo(
        "RSP011",
        "dropped-parameters",
        '`stream_options={"include_usage": True}` and `incremental_output` are dropped; `metadata` is kept',
        ("completions",),
    ),
    RuleInfo(
        "RSP012",
        "reasoning-effort",
        '`reasoning_effort` / `verbosity` become `reasoning={"effort": ...}` / `text={"verbosity": ...}`',
        ("completions",),
    ),
    RuleInfo(
        "RSP013",
        "builtin-tools",
        "`enable_search`, `search_options` and `enable_code_interpreter` become Responses `tools`",
        ("completions",),
    ),
    RuleInfo(
        "RSP014",
        "tool-calls",
        "`.choices[0].message.tool_calls` becomes the `function_call` items of `.output`",
        ("tool_calls",),
    ),
    RuleInfo(
        "RSP015",
        "tool-messages",
        "tool results, assistant tool calls and tool-call replies become `function_call(_output)` items",
        ("completions",),
    ),
    RuleInfo(
        "RSP016",
        "reasoning-content",
        "`.choices[0].message.reasoning_content` becomes the text of the reasoning items of `.output`",
        ("reasoning_content",),
    ),
    RuleInfo(
        "RSP017",
        "finish-reason",
        "`.choices[0].finish_reason == ...` becomes a condition on `status` and the output items",
        ("finish_reason",),
    ),
    RuleInfo(
        "RSP018",
        "response-fields",
        '`created` → `int(created_at)`, `message.role` → `"assistant"`; `choices` lists and dumps are reported',
        ("completions",),
    ),
    RuleInfo(
        "RSP019",
        "type-names",
        "annotations take Responses names (`ChatCompletion` → `Response`, ...); other imports and uses of "
        "`openai.types.chat`, `resources.chat`, `lib.streaming.chat` are reported",
        ("chat", "Chat"),
    ),
    RuleInfo(
        "RSP020",
        "dict-params",
        "`create(**params)` with a dict literal built just before becomes keyword arguments",
        ("completions",),
    ),
    RuleInfo(
        "RSP021",
        "history-chain",
        "a conversation kept by hand in a list becomes a `previous_response_id` chain",
        ("completions",),
    ),
    RuleInfo(
        "RSP022",
        "stream-loops",
        "`stream=True` calls: the loop over chunks becomes a dispatch on Responses event types",
        ("completions",),
    ),
    RuleInfo(
        "RSP023",
        "structured-outputs",
        "`chat.completions.parse(response_format=Model)` becomes `responses.parse(text_format=Model)` (OpenAI)",
        ("completions",),
    ),
    RuleInfo(
        "RSP024",
        "stream-helper",
        "`chat.completions.stream(...)` becomes `responses.stream(...)` with Responses event names",
        ("completions",),
    ),
    RuleInfo(
        "RSP025",
        "content-parts",
        "content parts take their Responses form (`text` → `input_text`, `image_url` → `input_image`)",
        ("completions",),
    ),
    RuleInfo(
        "RSP026",
        "held-parts",
        "a name that holds `.choices[0]` or `usage` of a result is followed and holds the same part of the Response",
        ("completions",),
    ),
    RuleInfo(
        "RSP027",
        "legacy-sdk",
        "pre-1.0 `openai.ChatCompletion.create` / `acreate` calls and references are reported",
        ("ChatCompletion",),
    ),
    RuleInfo(
        "RSP028",
        "chat-references",
        "`chat.completions.create` and the `chat` objects of a client used as values, not called, are reported",
        ("chat",),
    ),
    RuleInfo(
        "RSP030",
        "mock-clients",
        "test doubles of an OpenAI client move to the Responses shape with the code they stand in for",
        ("completions",),
    ),
)

_BY_CODE = {info.code: info for info in CATALOG}


def rule_info(code: str) -> RuleInfo | None:
    """The rule with this code (any case), without importing it."""
    return _BY_CODE.get(code.upper())


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule, in code order (which is also the order they plan and apply in). Imports them
    all, with LibCST and the analysis: for a run, only once some file is to be parsed."""
    from migrator.rules.base import Rule

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


def __getattr__(name: str) -> object:
    """`Rule` and `FileContext` (the rule API, `migrator.rules.base`), imported when first asked
    for: importing this package must not import LibCST (see the module's docstring)."""
    if name in ("Rule", "FileContext"):
        from migrator.rules import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
