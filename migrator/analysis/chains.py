"""Find conversations kept by hand in a local list, and prove they can become a chain.

A conversation is a list passed as `messages=` to migrated calls, to which the assistant's
reply is appended after a call. It can chain `previous_response_id` instead when the list is
used for nothing else: only bound once (to a list literal), only grown by `.append(...)`
statements, only read by the calls themselves, all in one function, in one of two shapes:

- straight-line: calls in one block, each followed by the append of its own reply before the
  next call;
- a loop: one call in the body of a `for` / `while` loop, followed in the same body by the
  append of its reply, with no `break` / `continue` / `return` between the two.

Anything else is a `Refusal` naming the exact use that stops the chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

import libcst as cst

from migrator.syntax import Binding, SourceTree, class_level_targets, dict_entries, string_value
from migrator.analysis.calls import CompletionCall, ResultUse, StreamLoopPlan
from migrator.analysis.paths import CONTENT_PATH, MESSAGE_PATH
from migrator.analysis.streams.reads import Kind
from migrator.analysis.messages import REPLY_PATH, REPLY_PATHS, message_problems
from migrator.analysis.instance_lists import InstanceList, instance_list

_ESCAPES = (cst.Break, cst.Continue, cst.Return, cst.Raise, cst.Yield)

#: The result reads of the calls, by the id of the node that reads (`ResultUse.chain[-1]`).
Uses: TypeAlias = dict[int, ResultUse]
#: A read of the list: a local's load, or `self.<attr>`.
Reference: TypeAlias = cst.Name | cst.Attribute
#: What an assistant reply appended to the list is the reply of: the calls it may be the reply
#: of, and the name holding their result (None for a reply added up from a stream's text deltas).
ReplyOf: TypeAlias = tuple[list[CompletionCall], str | None]
#: A reply append statement, and what it is the reply of.
Reply: TypeAlias = tuple[cst.SimpleStatementLine, ReplyOf]
#: How a read of the list is used (`_classify`): passed to a call, a reply appended (`Reply`), a
#: turn appended (its statement), or anything else (why it stops the chain; "refused" for a
#: reply the tool recognizes but cannot follow).
ListUse: TypeAlias = (
    tuple[Literal["call"], None]
    | tuple[Literal["reply"], Reply]
    | tuple[Literal["turn"], cst.SimpleStatementLine]
    | tuple[Literal["refused", "other"], str]
)


@dataclass(eq=False)
class Chain:
    #: The list as the code names it: `messages`, `self.messages`.
    list_name: str
    #: The scope the list lives in: the id variable is named so as to be free there.
    scope: cst.CSTNode
    #: The calls in statement order.
    sites: list[CompletionCall]
    #: Each reply append statement, with the name holding that call's result (None for a
    #: reply added up from a stream's text deltas).
    replies: list[tuple[cst.SimpleStatementLine, str | None]] = field(default_factory=list)
    #: The streaming calls among `sites`: their id is taken from the `response.created` event.
    streamed: list[CompletionCall] = field(default_factory=list)
    #: Set for the loop shape: `<id> = None` goes right before it.
    loop: cst.For | cst.While | None = None
    #: Set when the list is `self.<attr>`: the id is kept on the instance too, reset to None
    #: right after each assignment of the list, and every call chains.
    owner: InstanceList | None = None

    @property
    def chains_first_call(self) -> bool:
        return self.loop is not None or self.owner is not None


class _NotFollowed(Exception):
    """An assistant reply the tool recognizes but cannot prove whole (the message says why)."""


@dataclass(frozen=True)
class Refusal:
    list_name: str
    node: cst.CSTNode
    reason: str


def find_conversations(tree: SourceTree, sites: list[CompletionCall]) -> tuple[list[Chain], list[Refusal]]:
    uses = {id(use.chain[-1]): use for site in sites for use in site.uses}
    chains: list[Chain] = []
    refusals: list[Refusal] = []
    for holder, list_sites in _lists_passed_as_messages(tree, sites).items():
        if isinstance(holder, InstanceList):
            result = _prove_instance(tree, holder, list_sites, uses)
        else:
            result = _prove(tree, holder, list_sites, uses)
        if isinstance(result, Chain):
            chains.append(result)
        elif result is not None:
            refusals.append(result)
    return chains, refusals


def _lists_passed_as_messages(
    tree: SourceTree, sites: list[CompletionCall]
) -> dict[Binding | InstanceList, list[CompletionCall]]:
    lists: dict[Binding | InstanceList, list[CompletionCall]] = {}
    for site in sites:
        arg = site.kwarg("messages")
        owned = instance_list(tree, arg.value) if arg is not None else None
        if owned is not None:
            lists.setdefault(owned, []).append(site)
        if arg is None or not isinstance(arg.value, cst.Name):
            continue
        bindings = tree.bindings_of(arg.value)
        if len(bindings) == 1 and bindings[0].kind == "assign" and isinstance(bindings[0].value, cst.List):
            lists.setdefault(bindings[0], []).append(site)
    return lists


def _prove(tree: SourceTree, binding: Binding, list_sites: list[CompletionCall], uses: Uses) -> Chain | Refusal | None:
    sorted_uses = _sort_uses(tree, binding.name, tree.references(binding), list_sites, uses)
    if not isinstance(sorted_uses, tuple):
        return sorted_uses
    replies, turn_appends = sorted_uses
    return _shape(tree, binding, list_sites, replies, turn_appends)


def _prove_instance(
    tree: SourceTree, owned: InstanceList, list_sites: list[CompletionCall], uses: Uses
) -> Chain | Refusal | None:
    name = owned.display
    sorted_uses = _sort_uses(tree, name, owned.references, list_sites, uses)
    if not isinstance(sorted_uses, tuple):
        return sorted_uses
    if owned.outside or owned.foreign:
        node = (owned.outside or owned.foreign)[0]
        return Refusal(name, node, f"`{name}` is also reached as `{tree.quote(_context(tree, node))}`")
    if not owned.assignments:
        return Refusal(name, list_sites[0].call, f"`{name}` is never assigned in this class")
    for assign, _ in owned.assignments:
        if not isinstance(assign.value, cst.List) or not _is_statement(tree, assign):
            return Refusal(name, assign, f"`{name}` must be assigned a list literal, as a statement of its own")
    if any(isinstance(t, cst.Name) and t.value == "__slots__" for t in class_level_targets(owned.cls)):
        return Refusal(name, owned.cls, "the class has `__slots__`: the response id cannot be kept on the instance")
    replies, _ = sorted_uses
    return _instance_shape(tree, owned, list_sites, replies)


def _sort_uses(
    tree: SourceTree, name: str, references: Sequence[Reference], list_sites: list[CompletionCall], uses: Uses
) -> tuple[list[Reply], list[cst.SimpleStatementLine]] | Refusal | None:
    """(replies, turn appends) among the reads of a list, or the Refusal / None that ends the proof."""
    replies: list[Reply] = []
    turn_appends: list[cst.SimpleStatementLine] = []
    blocker: Refusal | None = None
    refused_reply: Refusal | None = None
    for reference in references:
        use = _classify(tree, reference, list_sites, uses)  # (indexed, not unpacked: mypy narrows `use[1]` so)
        if use[0] == "reply":
            replies.append(use[1])
        elif use[0] == "turn":
            turn_appends.append(use[1])
        elif use[0] == "refused" and refused_reply is None:
            refused_reply = Refusal(name, reference, use[1])
        elif use[0] in ("other", "refused") and blocker is None:
            blocker = Refusal(name, reference, use[1])
    blocker = refused_reply or blocker  # a reply the tool cannot follow is the first thing to say
    if not (replies or refused_reply) or not any(site.migrate for site in list_sites):
        return None  # not a conversation, or one that stays on Chat Completions anyway
    if blocker is not None:
        return blocker
    if any(not site.migrate for site in list_sites):
        return Refusal(name, list_sites[0].call, f"not every call that reads `{name}` is migrated")
    for site in list_sites:
        store = site.kwarg("store")
        if store is not None and not (isinstance(store.value, cst.Name) and store.value.value == "True"):
            return Refusal(name, store, "`store` is not True: only stored responses can be chained")
    return replies, turn_appends


def _classify(tree: SourceTree, reference: Reference, list_sites: list[CompletionCall], uses: Uses) -> ListUse:
    """('call' | 'reply' | 'turn' | 'refused' | 'other', detail) for one read of the list."""
    parent = tree.parent(reference)
    if (
        isinstance(parent, cst.Arg)
        and parent.keyword is not None
        and parent.keyword.value == "messages"
        and any(site.call is tree.parent(parent) for site in list_sites)
    ):
        return "call", None
    appended = _append_statement(tree, reference)
    if appended is None:
        return "other", f"`{tree.quote(reference)}` is also used in `{tree.quote(_context(tree, reference))}`"
    statement, added = appended
    try:
        reply_site = _reply_of(tree, added, uses, list_sites)
    except _NotFollowed as refused:
        return "refused", f"the reply appended to `{tree.quote(reference)}` is streamed, and {refused}"
    if reply_site is not None:
        return "reply", (statement, reply_site)
    if not message_problems(tree, added) and _role(added) != "assistant":
        return "turn", statement
    return "other", f"`{tree.quote(reference)}` gets `{tree.quote(added)}`, which is not a turn the tool can follow"


def _context(tree: SourceTree, reference: cst.CSTNode) -> cst.CSTNode:
    """The expression to quote for a use: `len(history)` rather than `history`."""
    node = tree.parent(reference) or reference
    while isinstance(node, (cst.Arg, cst.Element, cst.Attribute)) and (parent := tree.parent(node)) is not None:
        node = parent
    return node


def _append_statement(
    tree: SourceTree, reference: cst.CSTNode
) -> tuple[cst.SimpleStatementLine, cst.BaseExpression] | None:
    """The statement and what it appends if the reference is exactly `<list>.append(<one arg>)`
    on its own line."""
    attribute = tree.parent(reference)
    call = tree.parent(attribute) if attribute is not None else None
    expr = tree.parent(call) if call is not None else None
    line = tree.parent(expr) if expr is not None else None
    if (
        isinstance(attribute, cst.Attribute)
        and attribute.attr.value == "append"
        and isinstance(call, cst.Call)
        and call.func is attribute
        and len(call.args) == 1
        and call.args[0].keyword is None
        and not call.args[0].star
        and isinstance(expr, cst.Expr)
        and isinstance(line, cst.SimpleStatementLine)
        and len(line.body) == 1
    ):
        return line, call.args[0].value
    return None


def _reply_of(
    tree: SourceTree, added: cst.BaseExpression, uses: Uses, list_sites: list[CompletionCall]
) -> ReplyOf | None:
    """(the calls it may be the reply of, the name holding their result) if `added` is the
    assistant reply of one of the calls; the name is None for a reply added up from a stream's
    text deltas."""
    use = uses.get(id(added))
    if use is not None and use.path in REPLY_PATHS and use.held in (0, len(MESSAGE_PATH)):
        return _single_site(use, list_sites)
    entries = dict_entries(added) if isinstance(added, cst.Dict) else None
    # exactly `{"role": "assistant", "content": ...}` (not `tool_calls`, `audio`, `**extra`)
    if entries is not None and set(entries) == {"role", "content"} and _role(added) == "assistant":
        content = entries["content"].value
        use = uses.get(id(content))
        if use is None and isinstance(content, cst.Name):
            use = _content_variable_use(tree, content, uses)
            streamed = _streamed_text_site(tree, content, list_sites) if use is None else None
            if isinstance(streamed, str):
                raise _NotFollowed(streamed)
            if streamed is not None:
                return [streamed], None
        elif (use is None or (use.path == CONTENT_PATH and use.held == len(MESSAGE_PATH))) and (
            holder := _content_of_name(content)
        ) is not None:
            # `message = resp.choices[0].message`, then `"content": message.content`: the chain
            # takes the id from the result's own name (RSP002 may make `message` the text)
            message = _content_variable_use(tree, holder, uses)
            if message is not None and message.path == REPLY_PATH:
                return _single_site(message, list_sites)
        if use is not None and use.path == CONTENT_PATH and not use.held:
            return _single_site(use, list_sites)
    return None


def _streamed_text_site(
    tree: SourceTree, name: cst.Name, list_sites: list[CompletionCall]
) -> CompletionCall | str | None:
    """The streaming call whose whole text `name` adds up: `reply = ""` right before the loop
    over its chunks, `reply += <text delta>` on every text chunk, and nothing else. A string
    says why not, for a name added to in such a loop; None when no stream feeds `name`."""
    bindings = tree.bindings_of(name)
    adds = [b for b in bindings if b.kind == "augassign"]
    for site in list_sites:
        plan = site.stream_loop
        if plan is None or not any(
            any(ancestor is plan.loop.body for ancestor in tree.ancestors(add.node)) for add in adds
        ):
            continue
        starts = [b for b in bindings if b.kind == "assign" and _is_empty_string(b.value)]
        if len(bindings) != 2 or len(starts) != 1 or len(adds) != 1:
            return f'`{name.value}` must be bound twice: to `""` before the loop over chunks and by `+=` in it'
        start = _statement_of(tree, starts[0].node)
        block = tree.parent(plan.loop)
        body = list(getattr(block, "body", ()))
        if tree.parent(start) is not block or _index(body, start) > _index(body, plan.loop):
            return f'`{name.value} = ""` must come right before the loop over chunks, in the same block'
        if _escapes_stream(plan.loop.body):
            return (
                "the loop over chunks may stop early (`break`, `return`, `raise` or `yield`): the reply kept "
                "by hand could be cut short while the stored response is whole"
            )
        if not _adds_every_text_delta(plan, name.value):
            return f"`{name.value}` does not add up every text delta of the stream"
        return site
    return None


def _adds_every_text_delta(plan: StreamLoopPlan, name: str) -> bool:
    """The text branch of the rewritten loop starts, before any other use of `name` or any way
    out, with `name += <event>.delta`; no other branch touches `name`."""
    if any(
        _names(statement, name)
        for kind, branch in plan.branches.items()
        if kind is not Kind.TEXT
        for statement in branch
    ):
        return False
    for statement in plan.branches.get(Kind.TEXT, []):
        small = (
            statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
        )
        if (
            isinstance(small, cst.AugAssign)
            and isinstance(small.operator, cst.AddAssign)
            and isinstance(small.target, cst.Name)
            and small.target.value == name
            and cst.Module([]).code_for_node(small.value) == f"{plan.names.event}.delta"
        ):
            return True
        if _names(statement, name) or _contains_node(statement, _ESCAPES):
            return False
    return False


def _escapes_stream(body: cst.CSTNode) -> bool:
    """A `break`, `return`, `raise` or `yield` in the loop over chunks: the reply may be cut short
    or never appended, while the stored response is whole."""
    return _contains_node(body, (cst.Break, cst.Return, cst.Raise, cst.Yield), into_loops=True)


def _names(node: cst.CSTNode, name: str) -> bool:
    found = []

    class _Finder(cst.CSTVisitor):
        def visit_Name(self, visited: cst.Name) -> None:
            if visited.value == name:
                found.append(visited)

    node.visit(_Finder())
    return bool(found)


def _is_empty_string(value: cst.BaseExpression | None) -> bool:
    return isinstance(value, cst.SimpleString) and value.evaluated_value == ""


def _index(body: Sequence[cst.CSTNode], node: cst.CSTNode) -> int:
    return next(index for index, item in enumerate(body) if item is node)


def _content_of_name(node: cst.BaseExpression) -> cst.Name | None:
    """`message` if `node` is `message.content`."""
    if isinstance(node, cst.Attribute) and node.attr.value == "content" and isinstance(node.value, cst.Name):
        return node.value
    return None


def _content_variable_use(tree: SourceTree, name: cst.Name, uses: Uses) -> ResultUse | None:
    """The use behind `reply` in `reply = resp.choices[0].message.content`, if bound once."""
    bindings = tree.bindings_of(name)
    if len(bindings) == 1 and bindings[0].kind == "assign":
        return uses.get(id(bindings[0].value))
    return None


def _single_site(use: ResultUse, list_sites: list[CompletionCall]) -> tuple[list[CompletionCall], str] | None:
    if not isinstance(use.base, cst.Name):
        return None
    candidates = [site for site in use.sites if site in list_sites]
    return (candidates, use.base.value) if candidates else None


def _role(message: cst.BaseExpression) -> str | bytes | None:
    if not isinstance(message, cst.Dict):
        return None
    for element in message.elements:
        if (
            isinstance(element, cst.DictElement)
            and isinstance(element.key, cst.SimpleString)
            and string_value(element.key) == "role"
            and isinstance(element.value, cst.SimpleString)
        ):
            return string_value(element.value)
    return None


# -- shapes ------------------------------------------------------------------------------


def _shape(
    tree: SourceTree,
    binding: Binding,
    list_sites: list[CompletionCall],
    replies: list[Reply],
    turn_appends: list[cst.SimpleStatementLine],
) -> Chain | Refusal:
    name = binding.name
    definition = _statement_of(tree, binding.node)
    block = tree.parent(definition)
    site_lines = {id(site): _statement_of(tree, site.call) for site in list_sites}
    if any(not _is_result_assignment(tree, line, site) for site, line in zip(list_sites, site_lines.values())):
        return Refusal(name, list_sites[0].call, "each call must be a plain `result = ...create(...)` statement")
    containers = {id(tree.parent(line)) for line in site_lines.values()}
    if len(containers) != 1:
        return Refusal(name, list_sites[0].call, f"the calls that read `{name}` are in different blocks")
    container = tree.parent(next(iter(site_lines.values())))
    # (a statement line's or a `for` loop's parent: `_is_result_assignment` holds for each)
    assert isinstance(container, (cst.IndentedBlock, cst.Module))
    function = _enclosing_function(tree, list_sites[0].call)
    if function is not None and function is not _enclosing_function(tree, binding.node):
        return Refusal(
            name,
            list_sites[0].call,
            f"`{name}` is made outside {_function_label(function)}, which sends it: only a list made and sent "
            "in one function (or kept on `self`) becomes a chain",
        )
    loop = tree.parent(container) if container is not block else None
    if loop is not None and not (isinstance(loop, (cst.For, cst.While)) and tree.parent(loop) is block):
        return Refusal(
            name, list_sites[0].call, f"the call is nested deeper than one loop below where `{name}` is made"
        )
    if loop is not None and len(list_sites) != 1:
        return Refusal(name, list_sites[1].call, f"a loop that calls the model twice with `{name}`")
    for line in turn_appends:
        if tree.parent(line) not in (container, block):
            return Refusal(name, line, f"`{name}` is grown inside a nested block")
    order = {id(node): index for index, node in enumerate(container.body)}
    sites = sorted(list_sites, key=lambda site: order[id(site_lines[id(site)])])
    chain = Chain(name, binding.scope, sites, loop=loop)
    for statement, (candidates, result_name) in sorted(replies, key=lambda r: order.get(id(r[0]), -1)):
        if tree.parent(statement) is not container:
            return Refusal(name, statement, "the reply is appended in another block than its call")
        position = order[id(statement)]
        before = [s for s in sites if order[id(site_lines[id(s)])] < position]
        if not before or before[-1] not in candidates:
            return Refusal(name, statement, "the appended reply is not the one of the call just before it")
        between = container.body[order[id(site_lines[id(before[-1])])] + 1 : position]
        problem = _between_problem(
            tree, name, site_lines[id(before[-1])], between, result_name, tree.references(binding)
        )
        if problem is not None:
            return Refusal(name, statement, problem)
        chain.replies.append((statement, result_name))
        if result_name is None:
            chain.streamed.append(before[-1])
    answered = {id(before_site) for before_site in _sites_before_replies(chain, order, site_lines)}
    if any(id(site) not in answered for site in sites[:-1]) or (loop is not None and not chain.replies):
        return Refusal(name, sites[0].call, "a call's reply is not appended before the next call")
    return chain


def _instance_shape(
    tree: SourceTree, owned: InstanceList, list_sites: list[CompletionCall], replies: list[Reply]
) -> Chain | Refusal:
    """Each call on `self.<attr>` followed, in its own block, by the append of its reply."""
    name = owned.display
    site_of_line = {id(_statement_of(tree, site.call)): site for site in list_sites}
    for site in list_sites:
        if not _is_result_assignment(tree, _statement_of(tree, site.call), site):
            return Refusal(name, site.call, "each call must be a plain `result = ...create(...)` statement")
    chain = Chain(name, owned.cls, list(list_sites), owner=owned)
    unanswered = list(list_sites)
    for statement, (candidates, result_name) in replies:
        block = tree.parent(statement)
        assert isinstance(block, (cst.IndentedBlock, cst.Module))  # (the parent of a statement line)
        body = block.body
        position = next(index for index, node in enumerate(body) if node is statement)
        calls_before = [index for index in range(position) if id(body[index]) in site_of_line]
        if not calls_before:
            return Refusal(name, statement, "the reply is appended in another block than its call")
        site_line = body[calls_before[-1]]
        site = site_of_line[id(site_line)]
        if site not in candidates:
            return Refusal(name, statement, "the appended reply is not the one of the call just before it")
        between = body[calls_before[-1] + 1 : position]
        problem = _between_problem(tree, name, site_line, between, result_name, owned.references)
        if problem is not None:
            return Refusal(name, statement, problem)
        unanswered = [other for other in unanswered if other is not site]
        chain.replies.append((statement, result_name))
        if result_name is None:
            chain.streamed.append(site)
    if unanswered:
        return Refusal(name, unanswered[0].call, "this call's reply is not appended right after it")
    return chain


def _enclosing_function(tree: SourceTree, node: cst.CSTNode) -> cst.FunctionDef | cst.Lambda | None:
    return next((a for a in tree.ancestors(node) if isinstance(a, (cst.FunctionDef, cst.Lambda))), None)


def _function_label(function: cst.FunctionDef | cst.Lambda) -> str:
    return f"`{function.name.value}()`" if isinstance(function, cst.FunctionDef) else "a lambda"


def _between_problem(
    tree: SourceTree,
    name: str,
    site_line: cst.CSTNode,
    between: Sequence[cst.CSTNode],
    result_name: str | None,
    references: Sequence[Reference],
) -> str | None:
    """What, between a call's statement and the append of its reply, may break the chain."""
    if any(_contains_node(node, _ESCAPES) for node in between):
        return "a `break`, `continue` or `return` may skip appending the reply"
    if result_name is not None and _rebound_between(tree, site_line, between):
        return f"`{result_name}` is reassigned before the reply is appended"
    if _mentions_list(tree, between, references):
        return f"`{name}` is used between the call and the append of its reply"
    return None


def _mentions_list(tree: SourceTree, statements: Sequence[cst.CSTNode], references: Sequence[Reference]) -> bool:
    """Whether any of `statements` reads the list (a turn appended before the reply, say)."""
    inside = {id(node) for node in statements}
    return any(any(id(ancestor) in inside for ancestor in tree.ancestors(ref)) for ref in references)


def _is_statement(tree: SourceTree, assign: cst.Assign) -> bool:
    line = tree.parent(assign)
    return isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1


def _rebound_between(tree: SourceTree, site_line: cst.CSTNode, between: Sequence[cst.CSTNode]) -> bool:
    """Whether the name `site_line` (a `result = ...create(...)` statement, as
    `_is_result_assignment` shows) assigns the call's result to is bound again in `between`."""
    assign = site_line.body[0] if isinstance(site_line, cst.SimpleStatementLine) else None
    assert isinstance(assign, cst.Assign)  # (a reply with a result name follows `name = <call>`)
    binding = tree.binding_at(assign.targets[0].target)
    assert binding is not None  # (the name a result is assigned to)
    others = tree.bindings_in_scope_of(binding)
    return any(b.kind != "assign" or any(_statement_of(tree, b.node) is s for s in between) for b in others)


def _sites_before_replies(
    chain: Chain, order: dict[int, int], site_lines: dict[int, cst.CSTNode]
) -> list[CompletionCall]:
    answered = []
    for statement, _ in chain.replies:
        before = [s for s in chain.sites if order[id(site_lines[id(s)])] < order[id(statement)]]
        answered.append(before[-1])
    return answered


def _is_result_assignment(tree: SourceTree, line: cst.CSTNode, site: CompletionCall) -> bool:
    if site.stream_loop is not None and line is site.stream_loop.loop:
        return True  # `for chunk in client.chat.completions.create(..., stream=True):`
    if not (isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 and isinstance(line.body[0], cst.Assign)):
        return False
    assign = line.body[0]
    value = assign.value.expression if isinstance(assign.value, cst.Await) else assign.value
    return value is site.call and len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name)


def _statement_of(tree: SourceTree, node: cst.CSTNode) -> cst.CSTNode:
    for ancestor in (node, *tree.ancestors(node)):
        if isinstance(ancestor, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return ancestor
    raise ValueError("node outside any statement")


def _contains_node(statement: cst.CSTNode, types: tuple[type, ...], *, into_loops: bool = False) -> bool:
    found = []
    owners = (cst.FunctionDef, cst.Lambda) if into_loops else (cst.FunctionDef, cst.Lambda, cst.For, cst.While)

    class _Finder(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, types):
                found.append(node)
            # A nested function (or loop, unless asked) owns its own returns and breaks.
            return not isinstance(node, owners)

    statement.visit(_Finder())
    return bool(found)
