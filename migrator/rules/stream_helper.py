"""RSP024 stream-helper: the SDK's `chat.completions.stream(...)` helper becomes
`responses.stream(...)`, with its event names and its final result.

What it does

- `event.type == "content.delta"` → `"response.output_text.delta"` (`event.delta` and
  `event.snapshot` keep their names);
- `event.type == "content.done"` → `"response.output_text.done"`, `event.content` → `event.text`
  (`event.parsed` stays);
- `stream.get_final_completion()` → `stream.get_final_response()`, and on its result
  `.choices[0].message.content` → `.output_text`, `.choices[0].message.parsed` → `.output_parsed`,
  usage fields renamed (`prompt_tokens` → `input_tokens`, ...).

A `response_format=<class>` becomes `text_format=<class>` on OpenAI (see RSP023). Sync and async
(`async with`, `async for`, `await`) alike.

Why

Both helpers are context managers that yield typed events; the names differ.

https://github.com/openai/openai-python/blob/main/helpers.md

Example

    - with client.chat.completions.stream(model=MODEL, messages=messages) as stream:
    + with client.responses.stream(model=MODEL, input=messages) as stream:
          for event in stream:
    -         if event.type == "content.delta":
    +         if event.type == "response.output_text.delta":
                  print(event.delta, end="")
    -     final = stream.get_final_completion()
    +     final = stream.get_final_response()

Fix safety

Part of migrating the call (RSP001 decides). The helper must be used as `with ... as stream:`
and the stream not used after its block. The loop body must be a dispatch on `event.type`: a
statement outside it, or an `else:` branch, would run for every other event, and the two
helpers send different ones. Tool-call, refusal, logprobs and `chunk` events, and
`current_completion_snapshot`, are reported. A `response_format=<class>` is reported on
DashScope, and an assumption for a client whose endpoint is unknown. `get_final_response()`
raises when the response ends incomplete, where `get_final_completion()` returned the cut
text, so a call with a token limit is rewritten only with --unsafe-fixes.

Known problems

`with_raw_response.stream()` and other wrapped forms are not rewritten by this version.

Options

- `--unsafe-fixes`: also rewrite a call with a token limit, or with a `response_format` class for
  a client whose endpoint is unknown.
- `--ignore RSP024` keeps every `stream()` helper call on Chat Completions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeGuard

import libcst as cst

from migrator.syntax import (
    Binding,
    Edit,
    SourceTree,
    descend,
    dict_entries,
    is_inside,
    literal_bool,
    read_chain,
    rebound_by_other_loop,
    string,
)
from migrator.analysis import CompletionCall
from migrator.analysis import does_nothing_with_empty
from migrator.analysis import usage_rename
from migrator.rules.base import FileContext
from migrator.analysis import Provider
from migrator.rules.base import Rule
from migrator.rules.structured_outputs import DASHSCOPE_MESSAGE, to_text_format

#: Chat helper event → (Responses event, attribute renames, attributes that stay).
EVENTS = {
    "content.delta": ("response.output_text.delta", {}, {"delta", "snapshot", "type"}),
    "content.done": ("response.output_text.done", {"content": "text"}, {"parsed", "type"}),
}
NO_EQUIVALENT = "it has no Responses equivalent known to migrator"
UNMAPPED_EVENTS = {
    "chunk": "raw Chat chunks have no Responses equivalent",
    "refusal.delta": "refusals are content parts of type `refusal` on Responses",
    "refusal.done": "refusals are content parts of type `refusal` on Responses",
}
#: Reads of the final result and what they become.
FINAL_PATHS = {
    ("choices", 0, "message", "content"): "output_text",
    ("choices", 0, "message", "parsed"): "output_parsed",
}
#: Methods of the stream; `get_final_completion` becomes `get_final_response`, the others stay.
STREAM_METHODS = ("get_final_completion", "until_done", "close")


@dataclass
class HelperPlan:
    #: (node, function producing its replacement)
    edits: list[tuple[cst.CSTNode, Edit]] = field(default_factory=list)


class Unhandled(Exception):
    def __init__(self, node: cst.CSTNode, message: str) -> None:
        super().__init__(message)
        self.node, self.message = node, message


class StreamHelper(Rule):
    code = "RSP024"
    summary = "`chat.completions.stream(...)` becomes `responses.stream(...)` with Responses event names"
    triggers = ("completions",)  # acts only on `chat.completions.stream` calls
    keeps_sent_values = True

    def __init__(self) -> None:
        self._plans: dict[int, HelperPlan] = {}

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            if site.method != "stream":
                continue
            site.method_claimed = True
            try:
                self._plans[id(site)] = self._plan_site(ctx, site)
            except Unhandled as problem:
                site.block(self.code, problem.node, f"stream helper: {problem.message}")

    def _plan_site(self, ctx: FileContext, site: CompletionCall) -> HelperPlan:
        tree = ctx.tree
        if site.wrapper is not None:
            raise Unhandled(site.call.func, f"`{site.wrapper}.stream()` is not rewritten by this version")
        self._plan_arguments(site)
        item = tree.parent(site.call)
        if not (isinstance(item, cst.WithItem) and item.item is site.call and item.asname is not None):
            raise Unhandled(site.call, "the helper is not used as `with ... as stream:`; migrate this call by hand")
        site.blocks[:] = [b for b in site.blocks if not (b.code == "RSP001" and b.node is site.call)]
        name = item.asname.name
        if not isinstance(name, cst.Name):
            raise Unhandled(name, "the stream is not bound to a plain name")
        plan = HelperPlan()
        body = _with_body(tree, item)
        binding = tree.binding_at(name)
        assert binding is not None  # (the `as` name is bound there)
        for reference in tree.references(binding):
            if is_inside(tree, reference, body):
                self._plan_stream_use(ctx, site, reference, plan)
            elif not _in_other_with_binding(tree, reference, binding):
                raise Unhandled(reference, f"`{name.value}` is used after its `with` block; migrate this call by hand")
        return plan

    def _plan_arguments(self, site: CompletionCall) -> None:
        arg = site.kwarg("response_format")
        if arg is None or isinstance(arg.value, cst.Dict):
            return
        site.claim("response_format")
        provider = site.client.target.provider if site.client else Provider.UNKNOWN
        if provider is Provider.DASHSCOPE:
            site.block(self.code, arg, DASHSCOPE_MESSAGE)
        elif provider is not Provider.OPENAI:
            site.block(
                self.code,
                arg,
                f"structured output works only if the client talks to OpenAI ({DASHSCOPE_MESSAGE})",
                unsafe=True,
            )

    def _plan_stream_use(self, ctx: FileContext, site: CompletionCall, reference: cst.Name, plan: HelperPlan) -> None:
        tree = ctx.tree
        parent = tree.parent(reference)
        if isinstance(parent, cst.For) and parent.iter is reference:
            _plan_loop(tree, parent, plan)
            return
        chain, path = read_chain(tree, reference)
        known = path[1:2] == ("()",) and path[0] in STREAM_METHODS
        if not known or (len(path) > 2 and path[0] != "get_final_completion"):
            raise Unhandled(chain[-1], f"`{tree.code(chain[-1])[:60]}` has no Responses equivalent known to migrator")
        if path[0] == "get_final_completion":
            plan.edits.append((chain[1], lambda n: n.with_changes(attr=cst.Name("get_final_response"))))
            final = chain[2]
            assert isinstance(final, cst.Call)  # (the `()` of the path)
            _plan_final(tree, final, plan, _asks_for_usage(site))
            for limit in filter(None, (site.kwarg("max_tokens"), site.kwarg("max_completion_tokens"))):
                site.block(
                    self.code,
                    limit,
                    "`get_final_response()` raises when the response stops at the token limit, where "
                    "`get_final_completion()` returned the cut text",
                    unsafe=True,
                )

    def apply(self, ctx: FileContext) -> None:
        for site in ctx.migrated_sites:
            plan = self._plans.get(id(site))
            if plan is None:
                continue
            for node, change in plan.edits:
                ctx.tree.edit(node, change)
            arg = site.kwarg("response_format")
            if arg is not None and not isinstance(arg.value, cst.Dict):
                ctx.tree.edit(site.call, to_text_format)
            ctx.report(site.call.func, self.code, "`chat.completions.stream()` → `responses.stream()`, events renamed")


def _in_other_with_binding(tree: SourceTree, reference: cst.Name, binding: Binding) -> bool:
    """True inside another `with ... as <same name>:` block (names are not flow-sensitive)."""
    return any(
        other is not binding and other.kind == "with" and is_inside(tree, reference, _with_body(tree, other.node))
        for other in tree.bindings_in_scope_of(binding)
    )


def _with_body(tree: SourceTree, node: cst.CSTNode) -> cst.BaseSuite:
    """The body of the `with` statement whose item (or `as` name) `node` is."""
    statement = tree.enclosing(node, (cst.With,))
    assert isinstance(statement, cst.With)
    return statement.body


def _plan_loop(tree: SourceTree, loop: cst.For, plan: HelperPlan) -> None:
    if not isinstance(loop.target, cst.Name):
        raise Unhandled(loop.target, "the loop unpacks the events")
    binding = tree.binding_at(loop.target)
    assert binding is not None  # (the loop binds its target)
    for reference in tree.references(binding):
        if is_inside(tree, reference, loop.body):
            _plan_event_read(tree, loop, reference, plan)
        elif not rebound_by_other_loop(tree, reference):
            raise Unhandled(reference, f"`{reference.value}` is read after the loop")
    for statement in _body(loop.body):
        _check_dispatch(tree, loop.target.value, statement)


def _plan_event_read(tree: SourceTree, loop: cst.For, reference: cst.Name, plan: HelperPlan) -> None:
    chain, path = read_chain(tree, reference)
    if not path:
        raise Unhandled(
            reference, f"the event `{reference.value}` is passed on whole; Responses events have another shape"
        )
    if path[0] == "type":
        for literal, name in _compared_types(tree, chain[1]):
            new = EVENTS[name][0]
            plan.edits.append((literal, lambda n, new=new: string(new, like=n)))
        return
    guards = [EVENTS[t] for t in _guarding_types(tree, loop, reference) if t in EVENTS]
    if not guards:
        raise Unhandled(chain[1], f"`{tree.code(chain[1])}` is read without checking `{reference.value}.type` first")
    read = path[0]
    # (an index read, `event[0]`, has no Responses equivalent either)
    new_names = {
        renames.get(read, read if read in kept else None) if isinstance(read, str) else None
        for _, renames, kept in guards
    }
    if None in new_names or len(new_names) != 1:
        raise Unhandled(chain[1], f"`{tree.code(chain[1])}` has no Responses equivalent on these events")
    new_name = new_names.pop()
    if new_name != path[0]:
        plan.edits.append((chain[1], lambda n, new=new_name: n.with_changes(attr=cst.Name(new))))


def _compared_types(tree: SourceTree, node: cst.BaseExpression) -> list[tuple[cst.SimpleString, str]]:
    """The event-type literals `node` (`event.type`) is compared with, and the types they name;
    raises for the others."""
    parent = tree.parent(node)
    assert parent is not None  # (a read in the loop body is part of a statement)
    comparison = parent if isinstance(parent, cst.Comparison) and parent.left is node else None
    if comparison is None or len(comparison.comparisons) != 1:
        raise Unhandled(node, f"`{tree.code(parent)[:60]}`: compare `.type` with `==` or `in` and string literals")
    target = comparison.comparisons[0]
    if isinstance(target.operator, (cst.In, cst.NotIn)) and isinstance(
        target.comparator, (cst.Tuple, cst.List, cst.Set)
    ):
        literals = [element.value for element in target.comparator.elements]
    elif isinstance(target.operator, (cst.Equal, cst.NotEqual)):
        literals = [target.comparator]
    else:
        raise Unhandled(comparison, f"`{tree.code(comparison)[:60]}`: compare `.type` with `==` or `in`")
    types = []
    for literal in literals:
        if not isinstance(literal, cst.SimpleString):
            raise Unhandled(comparison, f"`{tree.code(comparison)[:60]}`: compare `.type` with string literals")
        name = literal.evaluated_value
        if not isinstance(name, str) or name not in EVENTS:
            hint = UNMAPPED_EVENTS.get(name, NO_EQUIVALENT) if isinstance(name, str) else NO_EQUIVALENT
            # (a bytes literal shows as `b'...'`)
            raise Unhandled(literal, f"`{name!s}` events: {hint}; migrate this loop by hand")
        types.append((literal, name))
    return types


def _guarding_types(tree: SourceTree, loop: cst.For, reference: cst.Name) -> list[str]:
    """The event types an enclosing `if <event>.type == "...":` (or `in (...)`) branch allows
    (none for a bytes literal, `b"..."`, which no event type equals)."""
    for ancestor in tree.ancestors(reference):
        if ancestor is loop:
            return []
        if isinstance(ancestor, cst.If) and is_inside(tree, reference, ancestor.body):
            test = ancestor.test
            if (
                isinstance(test, cst.Comparison)
                and len(test.comparisons) == 1
                and _is_type_of(test.left, reference.value)
            ):
                target = test.comparisons[0]
                if isinstance(target.operator, cst.Equal):
                    values = [target.comparator]
                elif isinstance(target.operator, cst.In) and isinstance(
                    target.comparator, (cst.Tuple, cst.List, cst.Set)
                ):
                    values = [element.value for element in target.comparator.elements]
                else:
                    values = []
                strings = [v for v in values if isinstance(v, cst.SimpleString)]
                if values and len(strings) == len(values):
                    return [value for v in strings if isinstance(value := v.evaluated_value, str)]
    return []


def _check_dispatch(tree: SourceTree, name: str, statement: cst.CSTNode) -> None:
    """A loop statement must act only on event types it names: `if event.type == ...:` chains
    without `else:` (other statements would run for every event, and the helpers send different ones)."""
    if isinstance(statement, cst.SimpleStatementLine) and all(isinstance(s, cst.Pass) for s in statement.body):
        return
    if not isinstance(statement, cst.If):
        raise Unhandled(statement, "this statement runs for every event, and Responses sends other events than Chat")
    branch: cst.If | cst.Else | None = statement
    while isinstance(branch, cst.If):
        if not _tests_type(branch.test, name):
            raise Unhandled(branch.test, "the branch does not check the event type, so it would see other events")
        if "content.delta" in [getattr(v, "evaluated_value", None) for v in _compared_values(branch.test)]:
            _check_empty_delta(tree, name, branch.body)
        branch = branch.orelse
    if branch is not None:
        raise Unhandled(
            branch, "the `else:` branch runs for every other event, and Responses sends other events than Chat"
        )


def _compared_values(test: cst.Comparison) -> list[cst.BaseExpression]:
    target = test.comparisons[0]
    if isinstance(target.comparator, (cst.Tuple, cst.List, cst.Set)):
        return [element.value for element in target.comparator.elements]
    return [target.comparator]


def _check_empty_delta(tree: SourceTree, name: str, body: cst.BaseSuite) -> None:
    """The Chat helper also sends a `content.delta` with an empty delta (for the first chunk, which
    has `content: ""`); Responses sends no such event, so the branch must do nothing with one."""

    class _Empty(cst.CSTTransformer):
        def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
            if _is_event_attribute(updated, name, ("delta", "snapshot")):
                return cst.SimpleString('""')
            return updated

    for statement in _body(body):
        empty = statement.visit(_Empty())
        if isinstance(empty, cst.If) and isinstance(empty.test, cst.SimpleString) and empty.test.evaluated_value == "":
            continue  # `if event.delta:` skips the empty delta
        smalls = empty.body if isinstance(empty, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) else None
        if smalls is None or not all(isinstance(s, cst.Pass) or does_nothing_with_empty(s) for s in smalls):
            raise Unhandled(
                statement,
                "the Chat helper also sends a `content.delta` with an empty delta (the first chunk), which "
                "this branch acts on, and Responses sends no such event; guard it with `if event.delta:`",
            )


def _is_event_attribute(node: cst.Attribute, name: str, attributes: tuple[str, ...]) -> bool:
    return isinstance(node.value, cst.Name) and node.value.value == name and node.attr.value in attributes


def _tests_type(test: cst.BaseExpression, name: str) -> TypeGuard[cst.Comparison]:
    return (
        isinstance(test, cst.Comparison)
        and _is_type_of(test.left, name)
        and all(isinstance(t.operator, (cst.Equal, cst.In)) for t in test.comparisons)
    )


def _is_type_of(node: cst.BaseExpression, name: str) -> bool:
    return (
        isinstance(node, cst.Attribute)
        and node.attr.value == "type"
        and isinstance(node.value, cst.Name)
        and node.value.value == name
    )


def _plan_final(tree: SourceTree, call: cst.Call, plan: HelperPlan, has_usage: bool) -> None:
    """Reads of `stream.get_final_completion()`'s result, directly or through one name."""
    awaited = tree.parent(call)
    expr = awaited if isinstance(awaited, cst.Await) else call
    parent = tree.parent(expr)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
        binding = tree.binding_at(parent.targets[0].target)
        assert binding is not None  # (the assignment binds its name)
        if len(tree.bindings_in_scope_of(binding)) != 1:
            raise Unhandled(parent, "the final completion's name is assigned more than once")
        bases: Sequence[cst.BaseExpression] = tree.references(binding)
    elif isinstance(parent, cst.Expr):
        bases = []
    else:
        bases = [expr]
    for base in bases:
        _plan_final_read(tree, base, plan, has_usage)


def _plan_final_read(tree: SourceTree, base: cst.BaseExpression, plan: HelperPlan, has_usage: bool) -> None:
    chain, path = read_chain(tree, base)
    for prefix, attr in FINAL_PATHS.items():
        if path[: len(prefix)] == prefix:
            plan.edits.append(
                (
                    chain[len(prefix)],
                    lambda n, attr=attr, base=base: cst.Attribute(value=descend(n, 4), attr=cst.Name(attr)),
                )
            )
            return
    renamed = usage_rename(path[1:2]) or usage_rename(path[1:3])
    if path[:1] == ("usage",) and not has_usage:
        raise Unhandled(
            chain[-1],
            "the final completion has no usage here (the call does not set "
            '`stream_options={"include_usage": True}`), so this read fails on Chat Completions',
        )
    if path[:1] == ("usage",) and renamed is not None:
        plan.edits.append((chain[2], lambda n, new=renamed[0]: n.with_changes(attr=cst.Name(new))))
        return
    if path in (("id",), ("model",)) or path[:1] in (("id",), ("model",)):
        return
    raise Unhandled(chain[-1], f"`{tree.code(chain[-1])[:60]}` of the final completion has no rewrite in this version")


def _asks_for_usage(site: CompletionCall) -> bool:
    options = site.kwarg("stream_options")
    entries = dict_entries(options.value) if options is not None and isinstance(options.value, cst.Dict) else None
    return entries is not None and "include_usage" in entries and literal_bool(entries["include_usage"].value) is True


def _body(suite: cst.BaseSuite) -> list[cst.BaseStatement | cst.SimpleStatementSuite]:
    """The statements of a block; a one-line body (`for event in stream: a; b`) as a whole."""
    if isinstance(suite, cst.SimpleStatementSuite):
        return [suite]
    assert isinstance(suite, cst.IndentedBlock)  # (the other kind of suite)
    return list(suite.body)
