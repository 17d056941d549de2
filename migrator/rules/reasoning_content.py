"""RSP016 reasoning-content: DashScope's `<result>.choices[0].message.reasoning_content` becomes
the text of the reasoning items of `<result>.output`.

What it does

The field becomes an expression joining the texts of the reasoning items:

- `<result>.choices[0].message.reasoning_content` →
  `"".join(part.text for item in <result>.output if item.type == "reasoning" for part in item.summary)`;
- `getattr(<result>.choices[0].message, "reasoning_content", None)` → the same join `or None`
  (Chat gives the default when the field is missing; the join gives `""`, so `or <default>`
  keeps the default; a `""` default needs nothing);
- `hasattr(<result>.choices[0].message, "reasoning_content")` →
  `any(item.type == "reasoning" for item in <result>.output)`.

Why

With thinking on, DashScope's Chat API puts the model's thinking in an extra message field,
`reasoning_content`. On Responses the thinking is an output item of type `reasoning`, its
text in `summary[].text` (DashScope puts the full thinking there).

DashScope: https://www.alibabacloud.com/help/en/model-studio/deep-thinking

Example

    - print(completion.choices[0].message.reasoning_content)
    + print("".join(part.text for item in completion.output if item.type == "reasoning" for part in item.summary))

Fix safety

Part of migrating the call (RSP001 decides). The join is `""` where Chat had no field (the SDK
raises AttributeError on a plain read then) or a `None` value, so comparing the plain field
with `None` would change meaning: such checks are reported, not rewritten.

Known problems

OpenAI fills `summary` only when a summary is requested; Chat never returned reasoning text on
OpenAI either, so reads there keep their meaning.

Options

`--ignore RSP016` keeps calls whose reasoning text is read on Chat Completions.
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax import (
    descend,
    fill,
    is_builtin_call,
    is_written,
    keep_parens,
    literal_string,
    none_comparison,
    parenthesize_unless_whole,
)
from migrator.analysis import ResultUse
from migrator.analysis import REPLY_PATH
from migrator.rules.base import FileContext
from migrator.rules.base import Rule

FIELD = "reasoning_content"
REASONING_PATH = REPLY_PATH + (FIELD,)
JOIN = '"".join(part.text for item in RESULT.output if item.type == "reasoning" for part in item.summary)'
HAS = 'any(item.type == "reasoning" for item in RESULT.output)'


class ReasoningContent(Rule):
    code = "RSP016"
    summary = "`.choices[0].message.reasoning_content` becomes the text of the reasoning items of `.output`"
    triggers = (FIELD,)
    keeps_sent_values = True

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            for use in site.uses:
                node = use.node_for(REASONING_PATH)
                if node is not None:
                    if is_written(ctx.tree, node):
                        continue
                    site.claim_use(use)
                    comparison = none_comparison(ctx.tree, node)
                    if comparison is not None:
                        site.block(
                            self.code,
                            comparison,
                            f'`{ctx.tree.code(comparison)}`: on Responses the reasoning text is "" when there is '
                            "none, never None; test its truth instead, then migrate",
                        )
                elif _attribute_call(ctx, use) is not None:
                    site.claim_use(use)

    def apply(self, ctx: FileContext) -> None:
        for use in ctx.migrated_uses():
            node = use.node_for(REASONING_PATH)
            if node is not None:
                steps = use.steps(REASONING_PATH)
                ctx.tree.edit(node, lambda n, s=steps: keep_parens(n, fill(JOIN, RESULT=descend(n, s))))
                ctx.report(node, self.code, "`.reasoning_content` → the text of the `reasoning` items of `.output`")
                continue
            call = _attribute_call(ctx, use)
            if call is None:
                continue
            if _function_name(call) == "hasattr":
                steps = use.steps(REPLY_PATH)
                ctx.tree.edit(call, lambda n, s=steps: keep_parens(n, fill(HAS, RESULT=descend(n.args[0].value, s))))
                ctx.report(
                    call, self.code, '`hasattr(..., "reasoning_content")` → whether `.output` has a `reasoning` item'
                )
            else:
                steps = use.steps(REPLY_PATH)
                ctx.tree.edit(call, lambda n, original=call, s=steps: _joined_or_default(ctx, original, n, s))
                ctx.report(
                    call, self.code, '`getattr(..., "reasoning_content", ...)` → the text of the `reasoning` items'
                )


def _attribute_call(ctx: FileContext, use: ResultUse) -> cst.Call | None:
    """`getattr(<reply>, "reasoning_content"[, default])` or `hasattr(<reply>, "reasoning_content")`."""
    if use.path != REPLY_PATH:
        return None
    arg = ctx.tree.parent(use.chain[-1])
    call = ctx.tree.parent(arg) if isinstance(arg, cst.Arg) else None
    if not (
        isinstance(call, cst.Call)
        and (is_builtin_call(ctx.tree, call, "getattr") or is_builtin_call(ctx.tree, call, "hasattr"))
        and call.args[0] is arg
        and all(a.keyword is None and not a.star for a in call.args)
        and len(call.args) >= 2
        and literal_string(call.args[1].value) == FIELD
    ):
        return None
    allowed = (2,) if _function_name(call) == "hasattr" else (2, 3)
    return call if len(call.args) in allowed else None


def _function_name(call: cst.Call) -> str:
    """`getattr` or `hasattr`, for a call `_attribute_call` gives."""
    assert isinstance(call.func, cst.Name)  # (`is_builtin_call` made sure of it)
    return call.func.value


def _joined_or_default(ctx: FileContext, original: cst.Call, call: cst.Call, steps: int) -> cst.BaseExpression:
    joined = fill(JOIN, RESULT=descend(call.args[0].value, steps))
    if len(call.args) == 2 or literal_string(call.args[2].value) == "":
        return keep_parens(call, joined)  # no default: Chat raised AttributeError where this gives ""
    either = cst.BooleanOperation(left=joined, operator=cst.Or(), right=call.args[2].value)
    return parenthesize_unless_whole(ctx.tree, original, either)
