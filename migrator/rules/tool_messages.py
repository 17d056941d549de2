"""RSP015 tool-messages: tool results, assistant tool calls and replies of calls with tools take
their Responses input form in the message list.

What it does

- a tool result `{"role": "tool", "tool_call_id": X, "content": Y}` becomes
  `{"type": "function_call_output", "call_id": X, "output": Y}` (a `name` key is dropped: the
  call id already names the call);
- an assistant message with literal `tool_calls` becomes its text as an assistant message
  (when it has any) followed by one `{"type": "function_call", "call_id", "name", "arguments"}`
  item per call, in order (inside a list literal, or `append` becoming `extend`);
- appending the reply of a call that offers tools, `history.append(<result>.choices[0].message)`
  (or the message kept in a name, which RSP002 makes hold the response), becomes appending its
  text (when there is any) and its function calls rebuilt as dicts.

Why

Responses input has no tool role and no `tool_calls` on messages; a tool exchange is two kinds
of items, linked by `call_id`.

Why rebuilt dicts and not `history.extend(<result>.output)`: every result must be preceded by
its `function_call` in the input (DashScope and OpenAI both refuse it otherwise), and the
dicts are the form DashScope's own function-calling sample sends back, while its API reference
does not list every output item (reasoning, the output message with its ids and statuses) as
accepted input. The dicts carry exactly what the Chat message carried (text and tool calls);
Chat never sent the reasoning back either, so the model sees the same context.

OpenAI: https://developers.openai.com/api/docs/guides/function-calling
DashScope: https://help.aliyun.com/zh/model-studio/qwen-api-via-openai-responses

Example

    - messages.append({"role": "tool", "tool_call_id": tc.id, "content": result})
    + messages.append({"type": "function_call_output", "call_id": tc.call_id, "output": result})
    - messages.append(completion.choices[0].message)
    + if completion.output_text:
    +     messages.append({"role": "assistant", "content": completion.output_text})
    + messages.extend(
    +     {"type": "function_call", "call_id": item.call_id, "name": item.name, "arguments": item.arguments}
    +     for item in completion.output
    +     if item.type == "function_call"
    + )

Fix safety

These conversions are made only when every call that sends the list is migrated: the calls
that send one list are linked (`CompletionCall.migrate_with`), so the engine migrates them all
or none. A list also handed to something that is not such a call is reported instead.

Known problems

None known.

Options

`--ignore RSP015` keeps calls whose messages hold tool exchanges, or whose reply with tool calls
is appended, on Chat Completions.
"""

from __future__ import annotations


import libcst as cst

from migrator.syntax import dict_entries, fill, fill_statements, remove_dict_keys, string
from migrator.analysis import CompletionCall, ResultUse
from migrator.analysis import (
    REPLY_PATHS,
    ListedMessage,
    assistant_text,
    function_item_kind,
    list_references,
    listed_messages,
    messages_problems,
    tool_call_fields,
)
from migrator.rules.base import FileContext
from migrator.rules.base import Rule
from migrator.analysis import reading_call

TOOL_RESULT_KEYS = {"role": "type", "tool_call_id": "call_id", "content": "output"}
ASSISTANT_TEMPLATE = '{"role": "assistant", "content": CONTENT}'
CALL_TEMPLATE = '{"type": "function_call", "call_id": ID, "name": NAME, "arguments": ARGUMENTS}'
REPLY_TEMPLATE = """\
if RESULT.output_text:
    HISTORY.append({"role": "assistant", "content": RESULT.output_text})
HISTORY.extend(
    {"type": "function_call", "call_id": item.call_id, "name": item.name, "arguments": item.arguments}
    for item in RESULT.output
    if item.type == "function_call"
)
"""


class ToolMessages(Rule):
    code = "RSP015"
    summary = "tool results, assistant tool calls and tool-call replies become `function_call(_output)` items"
    triggers = ("completions",)  # acts only on the messages of a create call

    def __init__(self) -> None:
        self.replies: set[int] = set()
        self.conversions: dict[int, list[ListedMessage]] = {}

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            for use in site.uses:
                if _reply_statement(ctx, use) is not None and all(_offers_tools(s) for s in use.sites):
                    self.replies.add(id(use))
                    site.claim_use(use)
            self._plan_messages(ctx, site)

    def _plan_messages(self, ctx: FileContext, site: CompletionCall) -> None:
        arg = site.kwarg("messages")
        if arg is None or messages_problems(ctx.tree, arg.value, ctx.is_reply, function_items=True):
            return  # RSP001 reports what stops the call
        messages, _ = listed_messages(ctx.tree, arg.value, ctx.is_reply)
        convertible = [message for message in messages if function_item_kind(message.node)]
        if not convertible:
            return
        for reference, call in _list_readers(ctx, arg.value):
            reader = next((s for s in ctx.sites if s.call is call), None)
            if reader is None:
                line = ctx.tree.position(call)[0]
                message = (
                    f"`{ctx.tree.quote(reference)}` holds tool messages, which change form on Responses, "
                    f"and line {line} sends it"
                )
                site.block(self.code, arg.value, message)
                return
            reason = (
                f"`{ctx.tree.quote(reference)}` holds tool messages, which change form on Responses, "
                "and is sent by both calls"
            )
            site.migrate_with(reader, reason)
        self.conversions[id(site)] = convertible

    def apply(self, ctx: FileContext) -> None:
        done: set[int] = set()
        for site in ctx.migrated_sites:
            for message in self.conversions.get(id(site), []):
                if id(message.node) not in done and not ctx.is_removed(message.node):
                    done.add(id(message.node))
                    self._convert(ctx, message)
        for use in ctx.migrated_uses():
            if id(use) in self.replies:
                reply = _reply_statement(ctx, use)
                assert reply is not None  # (`plan` took the uses it finds)
                statement, history, result = reply
                ctx.tree.edit(statement, lambda old, h=history, r=result: _reply_items(ctx, old, h, r))
                ctx.report(
                    use.chain[-1],
                    self.code,
                    "the appended reply of a call with tools → its text as an assistant message and its "
                    "`function_call` items as dicts",
                )

    def _convert(self, ctx: FileContext, message: ListedMessage) -> None:
        if function_item_kind(message.node) == "tool":
            dropped = "; `name` dropped" if "name" in _entries(message.node) else ""
            ctx.tree.edit(message.node, _to_function_call_output)
            ctx.report(
                message.node,
                self.code,
                f'`role: "tool"` message → `function_call_output` item (`tool_call_id` → `call_id`, '
                f"`content` → `output`){dropped}",
            )
            return
        if isinstance(message.holder, cst.Element):
            literal = ctx.tree.parent(message.holder)
            assert isinstance(literal, cst.List)  # (the messages of a list literal)
            separator = _separator(literal, message.holder)
            ctx.tree.edit(message.holder, lambda element: _expand_element(element, separator))
        else:
            ctx.tree.edit(message.holder, _expand_append)
        ctx.report(
            message.node,
            self.code,
            "assistant message with `tool_calls` → its text and one `function_call` item per call "
            "(`id` → `call_id`, `function.name` → `name`, `function.arguments` → `arguments`)",
        )


def _offers_tools(site: CompletionCall) -> bool:
    # Legacy `functions` replies carry `function_call`, which has no call id to rebuild.
    return site.kwarg("tools") is not None and site.kwarg("functions") is None


def _reply_statement(
    ctx: FileContext, use: ResultUse
) -> tuple[cst.SimpleStatementLine, cst.BaseExpression, cst.Name] | None:
    """(statement, history list, result name) for `<history>.append(<result>.choices[0].message)`
    standing alone on its line in a block, else None."""
    if use.path not in REPLY_PATHS or not isinstance(use.base, cst.Name):
        return None
    tree = ctx.tree
    arg = tree.parent(use.chain[-1])
    call = tree.parent(arg) if arg is not None else None
    expr = tree.parent(call) if call is not None else None
    line = tree.parent(expr) if expr is not None else None
    if not (
        isinstance(arg, cst.Arg)
        and arg.keyword is None
        and not arg.star
        and isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "append"
        and len(call.args) == 1
        and isinstance(expr, cst.Expr)
        and isinstance(line, cst.SimpleStatementLine)
        and len(line.body) == 1
        and isinstance(tree.parent(line), (cst.IndentedBlock, cst.Module))
    ):
        return None
    return line, call.func.value, use.base


def _reply_items(
    ctx: FileContext, old: cst.SimpleStatementLine, history: cst.BaseExpression, result: cst.Name
) -> cst.FlattenSentinel[cst.BaseStatement]:
    first, second = fill_statements(REPLY_TEMPLATE, ctx.tree.module, HISTORY=history, RESULT=result)
    return cst.FlattenSentinel(
        [
            first.with_changes(leading_lines=old.leading_lines),
            second.with_changes(trailing_whitespace=old.trailing_whitespace),
        ]
    )


def _to_function_call_output(node: cst.Dict) -> cst.Dict:
    elements = []
    for element in node.elements:
        # (`function_item_kind` found a dict literal with string keys)
        assert isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
        quoted = element.key
        key = quoted.evaluated_value
        if key == "role":
            role = element.value  # (a string literal: `"tool"`, or `"to" "ol"`)
            element = element.with_changes(
                key=string("type", like=quoted),
                value=string("function_call_output", like=role if isinstance(role, cst.SimpleString) else None),
            )
        elif key in TOOL_RESULT_KEYS:
            element = element.with_changes(key=string(TOOL_RESULT_KEYS[key], like=quoted))
        elements.append(element)
    return remove_dict_keys(node.with_changes(elements=elements), {"name"})


def _function_call_items(message: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The Responses items of an assistant message with literal tool calls (`message` updated)."""
    entries = _entries(message)
    items = []
    content = entries.get("content")
    if content is not None and assistant_text(content.value):
        items.append(fill(ASSISTANT_TEMPLATE, CONTENT=content.value))
    calls = entries["tool_calls"].value
    assert isinstance(calls, cst.List)  # (`messages_problems` found a list literal)
    for element in calls.elements:
        fields = tool_call_fields(element)
        assert fields is not None  # (`messages_problems` checked each tool call)
        items.append(fill(CALL_TEMPLATE, ID=fields["id"], NAME=fields["name"], ARGUMENTS=fields["arguments"]))
    return items


def _expand_element(element: cst.Element, separator: cst.Comma) -> cst.FlattenSentinel[cst.Element]:
    items = _function_call_items(element.value)
    last = len(items) - 1
    return cst.FlattenSentinel(
        [cst.Element(item, comma=element.comma if index == last else separator) for index, item in enumerate(items)]
    )


def _separator(literal: cst.List, element: cst.Element) -> cst.Comma:
    """The comma between the list's elements (its own, or a neighbour's, or `, `)."""
    for candidate in (element, *literal.elements):
        if isinstance(candidate.comma, cst.Comma) and candidate is not literal.elements[-1]:
            return candidate.comma
    if isinstance(element.comma, cst.Comma):
        return element.comma
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _expand_append(call: cst.Call) -> cst.Call:
    message = call.args[0].value
    assert isinstance(message, cst.Dict)  # (`function_item_kind` found a dict literal)
    items = _function_call_items(message)
    if len(items) == 1:
        return call.with_changes(args=[call.args[0].with_changes(value=items[0])])
    return call.with_changes(
        func=call.func.with_changes(attr=cst.Name("extend")),
        args=[call.args[0].with_changes(value=_laid_out_like(message, items))],
    )


def _laid_out_like(message: cst.Dict, items: list[cst.BaseExpression]) -> cst.List:
    """A list of `items` where `message` was: one item per line if the message spanned lines."""
    opening, closing = message.lbrace.whitespace_after, message.rbrace.whitespace_before
    if not isinstance(opening, cst.ParenthesizedWhitespace):
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        return cst.List([cst.Element(item, comma=comma) for item in items[:-1]] + [cst.Element(items[-1])])
    elements = [cst.Element(item, comma=cst.Comma(whitespace_after=opening)) for item in items[:-1]]
    elements.append(cst.Element(items[-1], comma=cst.Comma(whitespace_after=closing)))
    return cst.List(elements, lbracket=cst.LeftSquareBracket(whitespace_after=opening))


def _list_readers(ctx: FileContext, value: cst.BaseExpression) -> list[tuple[cst.Name | cst.Attribute, cst.CSTNode]]:
    """(reference, call) for every call that sends the list named `value` (a class statement too, for
    `class C(Base, messages=history)`)."""
    readers = []
    for reference in list_references(ctx.tree, value):
        call = _reading_call(ctx, reference)
        if call is not None:
            readers.append((reference, call))
    return readers


def _reading_call(ctx: FileContext, reference: cst.CSTNode) -> cst.CSTNode | None:
    """The call that sends the list when `reference` is its `messages=` (or a `**params` entry);
    for a keyword argument of a class statement, the class statement."""
    arg = ctx.tree.parent(reference)
    if isinstance(arg, cst.Arg) and arg.keyword is not None and arg.keyword.value == "messages":
        return ctx.tree.parent(arg)
    return reading_call(ctx.tree, reference)


def _entries(message: cst.BaseExpression) -> dict[str, cst.DictElement]:
    """The entries of a message `function_item_kind` knows: a dict literal with string keys."""
    entries = dict_entries(message) if isinstance(message, cst.Dict) else None
    assert entries is not None
    return entries
