"""RSP002 output-text: `<result>.choices[0].message.content` becomes `<result>.output_text`.

`<result>` is a name bound to a call that RSP001 migrates (in the same scope, read anywhere
after: f-strings, returns, appends to a history list), or the call itself when the access is
chained onto it. `output_text` joins the text of every message in the response; it is `""`
where Chat gave `None`, which only happens for tool calls, and calls with tools are not
rewritten by this version.

    - print(completion.choices[0].message.content)
    + print(completion.output_text)
"""

from __future__ import annotations

import libcst as cst

from migrator._cst_helpers import is_written
from migrator.engine import FileContext
from migrator.rules import Rule

CONTENT_PATH = ("choices", 0, "message", "content")


class OutputText(Rule):
    code = "RSP002"
    summary = "`.choices[0].message.content` on a migrated result becomes `.output_text`"
    triggers = ("completions",)

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            for use in site.uses:
                node = use.node_for(CONTENT_PATH)
                if node is not None and not is_written(ctx.tree, node):
                    site.claim_use(use)

    def apply(self, ctx: FileContext) -> None:
        for use in ctx.migrated_uses():
            node = use.node_for(CONTENT_PATH)
            if node is None or is_written(ctx.tree, node):
                continue
            ctx.tree.edit(node, _to_output_text)
            ctx.report(node, self.code, "`.choices[0].message.content` → `.output_text`")


def _to_output_text(node: cst.Attribute) -> cst.Attribute:
    # node is `<result>.choices[0].message.content`: four steps down is `<result>`.
    result = node.value.value.value.value
    return cst.Attribute(value=result, attr=cst.Name("output_text"))
