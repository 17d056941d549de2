"""RSP008 max-output-tokens: `max_tokens` / `max_completion_tokens` become `max_output_tokens`.

What it does

The argument is renamed `max_output_tokens`, its value unchanged.

Why

The Responses API names the output limit `max_output_tokens` and refuses values below 16 (on
both OpenAI and DashScope). When a reply hits the limit, a Response has
`status == "incomplete"` instead of Chat's `finish_reason == "length"` (RSP017); on OpenAI, and
on DashScope for some thinking models, the limit also counts reasoning tokens.

https://www.alibabacloud.com/help/en/model-studio/compatibility-with-openai-responses-api

Example

    - client.chat.completions.create(model="qwen-plus", messages=messages, max_tokens=200)
    + client.responses.create(model="qwen-plus", input=messages, max_output_tokens=200)

Fix safety

Part of migrating the call (RSP001 decides). The argument is renamed only when its value is a
literal whole number of at least 16, or a name assigned such a number once. A smaller limit (a
classifier asking for one token, say) needs a human: raise it and cut the answer yourself. A
value the tool cannot see is renamed only with --unsafe-fixes. A call that sets both names is
reported.

Known problems

Where the limit also counts reasoning tokens, the same number leaves less room for the answer.

Options

- `--unsafe-fixes`: also rename a limit whose value the tool cannot see.
- `--ignore RSP008` keeps calls that set a limit on Chat Completions.
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax import SourceTree, assigned_value, rename_kwarg
from migrator.analysis import CompletionCall
from migrator.rules.base import FileContext
from migrator.rules.base import Rule

LIMIT_PARAMS = ("max_tokens", "max_completion_tokens")
MINIMUM = 16
_MAX_DEPTH = 8


class MaxOutputTokens(Rule):
    code = "RSP008"
    summary = "`max_tokens` / `max_completion_tokens` become `max_output_tokens` (at least 16)"
    triggers = ("completions",)
    keeps_sent_values = True  # (renamed, its value unchanged)

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            given = [(name, arg) for name in LIMIT_PARAMS if (arg := site.kwarg(name)) is not None]
            for name, _ in given:
                site.claim(name)
            if len(given) > 1:
                site.block(
                    self.code,
                    given[1][1],
                    "both `max_tokens` and `max_completion_tokens` are set; keep the one you mean "
                    "(Responses has only `max_output_tokens`)",
                )
            elif given:
                self._check_value(ctx, site, *given[0])

    def _check_value(self, ctx: FileContext, site: CompletionCall, name: str, arg: cst.Arg) -> None:
        value = constant_int(ctx.tree, arg.value)
        if value is None:
            site.block(
                self.code,
                arg,
                f"`{name}={ctx.tree.code(arg.value)}` is not a constant, so it cannot be checked against the "
                f"Responses minimum of {MINIMUM}; make sure it is never smaller",
                unsafe=True,
            )
        elif value < MINIMUM:
            site.block(
                self.code,
                arg,
                f"`{name}={value}`: the Responses API's minimum `max_output_tokens` is {MINIMUM}; "
                "raise the limit and cut the answer yourself, or keep this call on Chat Completions",
            )

    def apply(self, ctx: FileContext) -> None:
        for site in ctx.migrated_sites:
            for name in LIMIT_PARAMS:
                arg = site.kwarg(name)
                if arg is not None:
                    ctx.tree.edit(site.call, lambda call, name=name: rename_kwarg(call, name, "max_output_tokens"))
                    ctx.report(arg, self.code, f"`{name}` → `max_output_tokens`")


def constant_int(tree: SourceTree, expr: cst.BaseExpression, depth: int = 0) -> int | None:
    """The whole number an expression always has: a literal, or a name assigned one once."""
    if isinstance(expr, cst.Integer):
        return int(expr.evaluated_value)
    if isinstance(expr, cst.Name) and depth < _MAX_DEPTH:
        value = assigned_value(tree, expr)
        return constant_int(tree, value, depth + 1) if value is not None else None
    return None
