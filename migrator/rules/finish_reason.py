"""RSP017 finish-reason: comparisons of `<result>.choices[0].finish_reason` become the Responses
conditions that mean the same.

What it does

| Chat                     | Responses                                                               |
|--------------------------|-------------------------------------------------------------------------|
| `== "stop"`              | `status == "completed" and not any(item.type == "function_call" ...)`   |
| `== "length"`            | `status == "incomplete" and incomplete_details.reason == "max_output_tokens"` |
| `== "tool_calls"`        | `any(item.type == "function_call" for item in <result>.output)`          |
| `== "function_call"`     | the same (the legacy name)                                              |
| `== "content_filter"`    | `status == "incomplete" and incomplete_details.reason == "content_filter"` (OpenAI only) |

`!=` gives the negation. Only `==` / `!=` comparisons with one of these strings are rewritten,
on a result held in a name (it is read several times).

Why

A Response has no finish reason. Why it ended is told by `status`, `incomplete_details.reason`
and the kinds of its output items.

OpenAI: https://developers.openai.com/api/docs/guides/migrate-to-responses

Example

    - if completion.choices[0].finish_reason == "length":
    + if completion.status == "incomplete" and completion.incomplete_details.reason == "max_output_tokens":

Fix safety

Part of migrating the call (RSP001 decides). Any other read of `finish_reason` (printed,
stored, compared with `in`) has no Responses equivalent and is reported, and the call stays.
DashScope documents no `content_filter` reason on Responses, so that comparison is reported
there.

Known problems

None known.

Options

`--ignore RSP017` keeps calls whose finish reason is read on Chat Completions.
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax import fill, literal_string, parenthesize_unless_whole
from migrator.analysis import CompletionCall, ResultUse
from migrator.rules.base import FileContext
from migrator.analysis import Provider
from migrator.rules.base import Rule

FINISH_REASON = ("choices", 0, "finish_reason")
HAS_CALLS = 'any(item.type == "function_call" for item in RESULT.output)'
#: finish_reason value → (condition for `==`, condition for `!=`)
CONDITIONS = {
    "stop": (
        f'RESULT.status == "completed" and not {HAS_CALLS}',
        f'RESULT.status != "completed" or {HAS_CALLS}',
    ),
    "length": (
        'RESULT.status == "incomplete" and RESULT.incomplete_details.reason == "max_output_tokens"',
        'RESULT.status != "incomplete" or RESULT.incomplete_details.reason != "max_output_tokens"',
    ),
    "tool_calls": (HAS_CALLS, f"not {HAS_CALLS}"),
    "function_call": (HAS_CALLS, f"not {HAS_CALLS}"),
    "content_filter": (
        'RESULT.status == "incomplete" and RESULT.incomplete_details.reason == "content_filter"',
        'RESULT.status != "incomplete" or RESULT.incomplete_details.reason != "content_filter"',
    ),
}
OPENAI_ONLY = frozenset({"content_filter"})
ADVICE = (
    "a Response has no `finish_reason`; compare `status`, `incomplete_details.reason` or look for "
    '`function_call` items instead (this version rewrites `== "<reason>"` / `!=` comparisons only)'
)


class FinishReason(Rule):
    code = "RSP017"
    summary = "`.choices[0].finish_reason == ...` becomes a condition on `status` and the output items"
    triggers = ("finish_reason",)
    keeps_sent_values = True

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            for use in site.uses:
                node = use.node_for(FINISH_REASON)
                if node is None:
                    continue
                site.claim_use(use)  # every read is either rewritten or reported here
                comparison = _comparison(ctx, use)
                if comparison is None:
                    site.block(self.code, node, f"`{ctx.tree.code(node)}`: {ADVICE}")
                    continue
                reason = comparison[1]
                if reason in OPENAI_ONLY and any(_not_openai(s) for s in use.sites):
                    site.block(
                        self.code,
                        comparison[0],
                        f'DashScope documents no "{reason}" reason on Responses; check this condition by hand',
                    )

    def apply(self, ctx: FileContext) -> None:
        for use in ctx.migrated_uses():
            if use.node_for(FINISH_REASON) is None:
                continue
            found = _comparison(ctx, use)
            assert found is not None  # (`plan` blocks every call whose result is read otherwise)
            comparison, reason, negated = found
            template = CONDITIONS[reason][negated]
            ctx.tree.edit(comparison, lambda _, t=template, c=comparison, r=use.base: _condition(ctx, c, t, r))
            operator = "!=" if negated else "=="
            ctx.report(comparison, self.code, f'`finish_reason {operator} "{reason}"` → `{_shown(template)}`')


def _comparison(ctx: FileContext, use: ResultUse) -> tuple[cst.Comparison, str, bool] | None:
    """(comparison, reason, negated) for `<result>.choices[0].finish_reason ==/!= "<reason>"`."""
    if use.path != FINISH_REASON or not isinstance(use.base, cst.Name):
        return None
    node = use.chain[-1]
    parent = ctx.tree.parent(node)
    comparison = ctx.tree.parent(parent) if isinstance(parent, cst.ComparisonTarget) else parent
    if not isinstance(comparison, cst.Comparison) or len(comparison.comparisons) != 1:
        return None
    target = comparison.comparisons[0]
    if not isinstance(target.operator, (cst.Equal, cst.NotEqual)):
        return None
    if comparison.left is node:
        other = target.comparator
    elif target.comparator is node:
        other = comparison.left
    else:
        return None
    reason = literal_string(other)
    if reason not in CONDITIONS:
        return None
    return comparison, reason, isinstance(target.operator, cst.NotEqual)


def _condition(ctx: FileContext, original: cst.Comparison, template: str, result: cst.Name) -> cst.BaseExpression:
    condition = fill(template, RESULT=result)
    if isinstance(condition, cst.BooleanOperation):
        return parenthesize_unless_whole(ctx.tree, original, condition)
    return condition.with_changes(lpar=original.lpar, rpar=original.rpar) if original.lpar else condition


def _not_openai(site: CompletionCall) -> bool:
    return site.client is None or site.client.target.provider is not Provider.OPENAI


def _shown(template: str) -> str:
    return template.replace("RESULT.", "")
