"""RSP014 tool-calls: `<result>.choices[0].message.tool_calls` becomes the `function_call` items
of `<result>.output`, and each tool call's fields take their Responses names.

What it does

- `<result>.choices[0].message.tool_calls` becomes
  `[item for item in <result>.output if item.type == "function_call"]`, or
  `any(item.type == "function_call" for item in <result>.output)` where only its truth is
  tested (`if ...tool_calls:`, `not ...`, `bool(...)`);
- on each tool call, `tc.function.name` becomes `tc.name`, `tc.function.arguments` becomes
  `tc.arguments` and `tc.id` becomes `tc.call_id`.

The same holds for the message kept in a name (`message.tool_calls`), which RSP002 then makes
hold the response.

Why

A Response has no message object holding the tool calls: each call is an output item of type
`function_call`, with the fields one level up (`name`, `arguments`) and the id to answer with
in `call_id` (the item's own `id` is a different identifier).

OpenAI: https://developers.openai.com/api/docs/guides/function-calling
DashScope: https://www.alibabacloud.com/help/en/model-studio/compatibility-with-openai-responses-api

Example

    - for tc in completion.choices[0].message.tool_calls:
    -     print(tc.id, tc.function.name, tc.function.arguments)
    + for tc in [item for item in completion.output if item.type == "function_call"]:
    +     print(tc.call_id, tc.name, tc.arguments)

Fix safety

Part of migrating the call (RSP001 decides). The tool calls are followed where the tool can see
every read of them: a `for` loop or a comprehension over the list, directly or through
`enumerate()` (the loop variable read only in its body), an index such as `[0]`, `len(...)`, a
truth test, `... or []`, and a name the list or one call is assigned to once. Any other read
(the call object passed to a function, `tc.type`, `tc.function` on its own) leaves the call on
Chat Completions.

Chat gives `None` when there are no tool calls; the list is empty instead, so truth tests
keep their meaning but `... is None` checks would not: they are reported, not rewritten.

Known problems

None known.

Options

`--ignore RSP014` keeps calls whose tool calls are read on Chat Completions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from migrator.syntax import (
    Binding,
    Edit,
    SourceTree,
    descend,
    fill,
    is_inside,
    is_truth_tested,
    is_written,
    keep_parens,
    none_comparison,
    only_argument_of,
    read_chain,
)
from migrator.analysis import ResultUse
from migrator.rules.base import FileContext
from migrator.rules.base import Rule

TOOL_CALLS = ("choices", 0, "message", "tool_calls")
#: Reads of one Chat tool call and the Responses field each becomes.
FIELD_RENAMES = {("function", "name"): "name", ("function", "arguments"): "arguments", ("id",): "call_id"}
CALLS_TEMPLATE = '[item for item in RESULT.output if item.type == "function_call"]'
ANY_TEMPLATE = 'any(item.type == "function_call" for item in RESULT.output)'
_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


@dataclass
class _Plan:
    """What rewriting one use takes: edits, the field renames made, and blocking findings."""

    edits: list[tuple[cst.CSTNode, Edit]] = field(default_factory=list)
    renames: set[str] = field(default_factory=set)
    blocks: list[tuple[cst.CSTNode, str]] = field(default_factory=list)


class ToolCalls(Rule):
    code = "RSP014"
    summary = "`.choices[0].message.tool_calls` becomes the `function_call` items of `.output`"
    triggers = ("tool_calls",)
    keeps_sent_values = True

    def __init__(self) -> None:
        self.plans: dict[int, _Plan | None] = {}

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            for use in site.uses:
                found = _tool_calls(use)
                if found is None:
                    continue
                if id(use) not in self.plans:
                    self.plans[id(use)] = _plan_use(ctx, use, *found)
                plan = self.plans[id(use)]
                if plan is None:
                    continue  # not understood: the engine reports the read
                site.claim_use(use)
                for node, message in plan.blocks:
                    site.block(self.code, node, message)

    def apply(self, ctx: FileContext) -> None:
        for use in ctx.migrated_uses():
            plan = self.plans.get(id(use))
            if plan is None:
                continue
            for node, edit in plan.edits:
                ctx.tree.edit(node, edit)
            renames = f"; on each call {', '.join(sorted(plan.renames))}" if plan.renames else ""
            found = _tool_calls(use)
            assert found is not None  # (a use has a plan only when it reads the tool calls)
            ctx.report(
                found[0],
                self.code,
                f"`.choices[0].message.tool_calls` → the `function_call` items of `.output`{renames}",
            )


def _tool_calls(use: ResultUse) -> tuple[cst.BaseExpression, tuple[str | int, ...], int] | None:
    """The `...tool_calls` node of the use, the path to it, and how many accesses below it the
    response is (`<result>.choices[0].message.tool_calls`: 4; `message.tool_calls`: 1, where
    `message` holds the message object and the rewrite makes it hold the response)."""
    node = use.node_for(TOOL_CALLS)
    return None if node is None else (node, TOOL_CALLS, use.steps(TOOL_CALLS))


def _plan_use(
    ctx: FileContext, use: ResultUse, calls: cst.BaseExpression, prefix: tuple[str | int, ...], steps: int
) -> _Plan | None:
    """How to rewrite a use that reads the tool calls (`calls`, `prefix`, `steps`: see `_tool_calls`)."""
    tree = ctx.tree
    plan = _Plan()
    if len(use.path) > len(prefix):
        # `...tool_calls[0].function.name`: one call, read right here.
        index = use.path[len(prefix)]
        if not isinstance(index, int) and index != "[]":
            return None
        call = use.node_for(use.path[: len(prefix) + 1])
        assert call is not None  # (the use reads past the tool calls, which it reads here)
        if not _call_read(tree, call, plan, alias_ok=True):
            return None
        plan.edits.append((calls, lambda node: _to_calls_list(node, steps)))
        return plan
    outer, or_empty = _unwrap_or_empty(tree, calls)
    how = _list_read(tree, outer, plan, alias_ok=True)
    if how is None:
        return None
    bool_call = only_argument_of(tree, outer, "bool")
    if bool_call is not None:
        # `bool(...tool_calls)` → `any(...)`, with no `bool()` around it
        plan.edits.append((bool_call, lambda node: _to_any(_calls_node(node.args[0].value, or_empty), steps)))
    elif how == "truth":
        plan.edits.append((outer, lambda node: keep_parens(node, _to_any(_calls_node(node, or_empty), steps))))
    else:
        plan.edits.append((outer, lambda node: keep_parens(node, _to_calls_list(_calls_node(node, or_empty), steps))))
    return plan


def _calls_node(node: cst.BaseExpression, or_empty: bool) -> cst.BaseExpression:
    """The `...tool_calls` node inside `node` (`node` itself, or the left of `... or []`)."""
    if not or_empty:
        return node
    assert isinstance(node, cst.BooleanOperation)  # (`_unwrap_or_empty` found `... or []`)
    return node.left


def _to_calls_list(node: cst.BaseExpression, steps: int) -> cst.BaseExpression:
    # node is `<result>.choices[0].message.tool_calls` (`steps` accesses above `<result>`)
    return keep_parens(node, fill(CALLS_TEMPLATE, RESULT=descend(node, steps)))


def _to_any(node: cst.BaseExpression, steps: int) -> cst.BaseExpression:
    return keep_parens(node, fill(ANY_TEMPLATE, RESULT=descend(node, steps)))


def _unwrap_or_empty(tree: SourceTree, node: cst.BaseExpression) -> tuple[cst.BaseExpression, bool]:
    """`(node or [])` as a whole, since the list form needs no default."""
    parent = tree.parent(node)
    if (
        isinstance(parent, cst.BooleanOperation)
        and isinstance(parent.operator, cst.Or)
        and parent.left is node
        and isinstance(parent.right, (cst.List, cst.Tuple))
        and not parent.right.elements
    ):
        return parent, True
    return node, False


def _list_read(tree: SourceTree, node: cst.BaseExpression, plan: _Plan, *, alias_ok: bool) -> str | None:
    """How the tool-call list `node` is read: "truth", "list", or None when not understood."""
    parent = tree.parent(node)
    if is_truth_tested(tree, node):
        return "truth"
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
        return "list" if _loop_variable_ok(tree, parent, parent.target, plan) else None
    numbered = only_argument_of(tree, node, "enumerate")
    loop = tree.parent(numbered) if numbered is not None else None
    if isinstance(loop, (cst.For, cst.CompFor)) and loop.iter is numbered:
        # `for i, tc in enumerate(...tool_calls)`: the second name is the call
        target = loop.target
        if isinstance(target, cst.Tuple) and len(target.elements) == 2:
            return "list" if _loop_variable_ok(tree, loop, target.elements[1].value, plan) else None
        return None
    if only_argument_of(tree, node, "len") is not None:
        return "list"
    if isinstance(parent, cst.Subscript) and parent.value is node:
        return "list" if _call_read(tree, parent, plan, alias_ok=alias_ok) else None
    comparison = none_comparison(tree, node)
    if comparison is not None:
        message = (
            f"`{tree.quote(comparison, 60)}`: on Responses the tool calls are a list that is never None "
            "(empty when the model calls no tool); test it for truth instead, then migrate"
        )
        plan.blocks.append((comparison, message))
        return "list"
    references = _alias_references(tree, node) if alias_ok else None
    if references is None:
        return None
    for reference in references:
        read, _ = _unwrap_or_empty(tree, reference)
        if _list_read(tree, read, plan, alias_ok=False) is None:
            return None
    return "list"


def _call_read(tree: SourceTree, node: cst.BaseExpression, plan: _Plan, *, alias_ok: bool) -> bool:
    """Whether every read of one tool call (`node`) is a field that has a Responses name."""
    chain, path = read_chain(tree, node)
    for fields, new_name in FIELD_RENAMES.items():
        if path[: len(fields)] != fields:
            continue
        field_node = chain[len(fields)]
        if is_written(tree, field_node):
            return False
        steps = len(fields)
        plan.edits.append(
            (field_node, lambda n, s=steps, name=new_name: n.with_changes(value=descend(n, s), attr=cst.Name(name)))
        )
        plan.renames.add(f"`{''.join('.' + step for step in fields)}` → `.{new_name}`")
        return True
    if path or not alias_ok:
        return False
    references = _alias_references(tree, node)
    return references is not None and all(_call_read(tree, ref, plan, alias_ok=False) for ref in references)


def _loop_variable_ok(tree: SourceTree, loop: cst.For | cst.CompFor, target: cst.BaseExpression, plan: _Plan) -> bool:
    """Whether the loop variable `target` is read only as a tool call, and only inside the loop."""
    if not isinstance(target, cst.Name):
        return False
    binding = tree.binding_at(target)
    if binding is None:
        return False
    reads: list[cst.Name] | None
    if isinstance(loop, cst.CompFor):
        if len(tree.bindings_in_scope_of(binding)) != 1:
            return False
        reads = tree.references(binding)
    else:
        reads = _loop_body_reads(tree, loop, binding)
        if reads is None:
            return False
    return all(_call_read(tree, read, plan, alias_ok=False) for read in reads)


def _loop_body_reads(tree: SourceTree, loop: cst.For, binding: Binding) -> list[cst.Name] | None:
    """The reads of a `for` loop's variable; None if it is rebound in the body or read after it."""
    for other in tree.bindings_in_scope_of(binding):
        if other is not binding and is_inside(tree, other.node, loop.body):
            return None
    reads = []
    for reference in tree.references(binding):
        owner = _covering_loop(tree, reference, binding.name)
        if owner is loop:
            reads.append(reference)
        elif owner is None:
            return None  # read after the loop (or in a closure): it may hold something else
    return reads


def _covering_loop(tree: SourceTree, reference: cst.Name, name: str) -> cst.For | None:
    """The innermost `for name in ...:` whose body holds `reference`, within its function."""
    child: cst.CSTNode = reference
    for ancestor in tree.ancestors(reference):
        if isinstance(ancestor, _SCOPES):
            return None
        if isinstance(ancestor, cst.For) and child is ancestor.body and name in _target_names(ancestor.target):
            return ancestor
        child = ancestor
    return None


def _target_names(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return {name for element in target.elements for name in _target_names(element.value)}
    return set()


def _alias_references(tree: SourceTree, node: cst.BaseExpression) -> list[cst.Name] | None:
    """The reads of `name` in `name = node`, when that is the only binding of `name` in its scope."""
    parent = tree.parent(node)
    if not (isinstance(parent, cst.Assign) and parent.value is node and len(parent.targets) == 1):
        return None
    target = parent.targets[0].target
    binding = tree.binding_at(target) if isinstance(target, cst.Name) else None
    if binding is None or len(tree.bindings_in_scope_of(binding)) != 1:
        return None
    return tree.references(binding)
