"""RSP018 response-fields: the other top-level fields of a result, rewritten where Responses has
the same information and reported where it does not.

What it does

- `<result>.created` → `int(<result>.created_at)`.
- `<result>.choices[0].message.role` → `"assistant"` (the only role a reply has), also through a
  name that holds the message object (`message.role`); a `{...role}` field of an f-string
  becomes the text `assistant`.
- `<result>.service_tier` is the same field and stays.

Why

Chat's `created` is an int; Responses' `created_at` is a float (DashScope sends `1769417481.0`
and the SDK type is `float`), so a printed or formatted timestamp would change from
`1769417481` to `1769417481.0`; `int()` keeps the value and the type.

Example

    - print(completion.created, completion.choices[0].message.role)
    + print(int(completion.created_at), "assistant")

Fix safety

Part of migrating the call (RSP001 decides). Reported, and the call stays on Chat Completions:

- `<result>.object` is `"response"` on Responses, not `"chat.completion"`;
- `<result>.system_fingerprint` has no Responses equivalent;
- `<result>.choices` read as a list (iterated, `len()`, any index but `[0]`): a Response holds
  one answer; several answers (`n` > 1) mean several requests;
- `<result>.model_dump()`, `model_dump_json()`, `to_dict()`, `to_json()`: the shape of the
  data changes completely, so whatever stores or sends it on must change too.

Known problems

None known.

Options

`--ignore RSP018` keeps calls whose `created` or role is read on Chat Completions (the reads it
reports keep their calls either way).
"""

from __future__ import annotations

from typing import TypeGuard

import libcst as cst

from migrator.syntax import descend, fill, is_written, keep_parens
from migrator.analysis import ResultUse
from migrator.rules.base import FileContext
from migrator.rules.base import Rule

CREATED = ("created",)
ROLE = ("choices", 0, "message", "role")
SAME = frozenset({("service_tier",)})
DUMPS = frozenset({"model_dump", "model_dump_json", "to_dict", "to_json"})
NO_EQUIVALENT = {
    "object": '`object` is "response" on a Response (it was "chat.completion"); check what this code expects',
    "system_fingerprint": "Responses has no `system_fingerprint`; drop this read or keep the call on Chat Completions",
}
CHOICES_ADVICE = (
    "a Response holds one answer, there is no `choices` list (several answers mean several requests); "
    "read `.choices[0]` only, or keep the call on Chat Completions"
)
DUMP_ADVICE = (
    "the dumped data has a completely different shape on Responses; whatever stores, logs or sends it "
    "must change too, so this call stays on Chat Completions"
)


class ResponseFields(Rule):
    code = "RSP018"
    summary = '`created` → `int(created_at)`, `message.role` → `"assistant"`; `choices` lists and dumps are reported'
    triggers = ("completions",)
    keeps_sent_values = True

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            for use in site.uses:
                if _rewrite(ctx, use) is not None or use.path[:1] in SAME:
                    site.claim_use(use)
                    continue
                if not use.holder_read and ctx.analysis.holders.get(id(use.chain[-1])) is not None:
                    continue  # kept in a name: the reads through it are the uses (RSP026)
                problem = _no_equivalent(use)
                if problem is not None:
                    site.claim_use(use)  # claimed so that the finding is this specific one
                    node, message = problem
                    site.block(self.code, node, message)

    def apply(self, ctx: FileContext) -> None:
        for use in ctx.migrated_uses():
            rewrite = _rewrite(ctx, use)
            if rewrite is None:
                continue
            kind, node = rewrite
            if kind == "created":
                ctx.tree.edit(node, lambda n: keep_parens(n, fill("int(RESULT.created_at)", RESULT=descend(n, 1))))
                ctx.report(node, self.code, "`.created` → `int(.created_at)` (a float on Responses)")
            else:
                field = ctx.tree.parent(node)
                if _whole_replacement_field(field, node):
                    # f"{...role}: ..." → f"assistant: ..." (not f"{'assistant'}: ...")
                    ctx.tree.edit(field, lambda _field: cst.FormattedStringText("assistant"))
                else:
                    ctx.tree.edit(node, lambda n: keep_parens(n, cst.SimpleString('"assistant"')))
                read = ".choices[0].message.role" if not use.held else ctx.tree.code(node)
                ctx.report(node, self.code, f'`{read}` → `"assistant"`')


def _whole_replacement_field(
    field: cst.CSTNode | None, node: cst.BaseExpression
) -> TypeGuard[cst.FormattedStringExpression]:
    """`node` is all of an f-string's `{...}` field: no `!r`, no format spec, no `=`."""
    return (
        isinstance(field, cst.FormattedStringExpression)
        and field.expression is node
        and field.conversion is None
        and field.format_spec is None
        and field.equal is None
    )


def _rewrite(ctx: FileContext, use: ResultUse) -> tuple[str, cst.BaseExpression] | None:
    """The rewrite the use takes ("created" or "role") and the node it replaces."""
    for name, path in (("created", CREATED), ("role", ROLE)):
        node = use.node_for(path)
        if node is not None and not is_written(ctx.tree, node):
            return name, node
    return None


def _no_equivalent(use: ResultUse) -> tuple[cst.CSTNode, str] | None:
    path = use.path
    if path[:1] and path[0] in NO_EQUIVALENT:
        return _covering(use, 1), NO_EQUIVALENT[path[0]]
    if path == ("choices",) or (path[:1] == ("choices",) and path[1] != 0):
        return _covering(use, 1), CHOICES_ADVICE
    if len(path) >= 2 and path[0] in DUMPS and path[1] == "()":
        return _covering(use, 2), DUMP_ADVICE
    return None


def _covering(use: ResultUse, steps: int) -> cst.BaseExpression:
    """The node of the use that covers the first `steps` steps of its path (its base, for steps
    its name already holds)."""
    return use.node_for(use.path[:steps]) or use.base
