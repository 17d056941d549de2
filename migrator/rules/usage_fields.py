"""RSP006 usage-fields: token counts on a migrated result take their Responses names.

What it does

`usage.prompt_tokens` becomes `usage.input_tokens` and `usage.completion_tokens` becomes
`usage.output_tokens`; `total_tokens` keeps its name, and so do the cached and reasoning token
details under their new parents (`usage.prompt_tokens_details.cached_tokens` →
`usage.input_tokens_details.cached_tokens`, `usage.completion_tokens_details.reasoning_tokens`
→ `usage.output_tokens_details.reasoning_tokens`).

Why

The numbers mean the same; Responses names them after the input and the output.

Example

    - print(completion.usage.prompt_tokens, completion.usage.completion_tokens)
    + print(completion.usage.input_tokens, completion.usage.output_tokens)

Fix safety

Part of migrating the call (RSP001 decides). Only these reads are rewritten: any other read of
`usage` (another detail, `usage` passed on whole) keeps the call. The usage of a stream is
RSP022's.

Known problems

None known.

Options

`--ignore RSP006` keeps calls whose token counts are read on Chat Completions.
"""

from __future__ import annotations

import libcst as cst

from migrator.analysis import TOKEN_COUNTS, ResultUse
from migrator.rules.base import FileContext
from migrator.rules.base import Rule

class UsageFields(Rule):
    code = "RSP006"
    summary = "`usage.prompt_tokens` / `completion_tokens` become `input_tokens` / `output_tokens`"
    triggers = ("completions",)
    keeps_sent_values = True

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            for use in site.uses:
                if _new_name(use) is not None:
                    site.claim_use(use)

    def apply(self, ctx: FileContext) -> None:
        for use in ctx.migrated_uses():
            new_name = _new_name(use)
            if not new_name:
                continue
            # The field that changes name: the token count (`usage.<count>`) or its details
            # (`usage.<details>.<count>`), unless a name holds the details (RSP026 renames that).
            node = use.node_for(use.path[:2])
            if not isinstance(node, cst.Attribute) or node.attr.value == new_name:
                continue
            ctx.tree.edit(node, lambda n, name=new_name: n.with_changes(attr=cst.Name(name)))
            ctx.report(node, self.code, f"`usage.{node.attr.value}` → `usage.{new_name}`")


def _new_name(use: ResultUse) -> str | None:
    """The Responses name of the field under `usage` that the use reads (of the count, or of
    the details that hold it), when the use reads a token count."""
    counted = TOKEN_COUNTS.get(use.path)
    return None if counted is None else str(counted[1])
