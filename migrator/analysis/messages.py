"""What a `messages=` argument holds, and whether it is valid Responses `input` as it is.

A Chat message list is valid Responses input when every message is a plain
`{"role": system|developer|user|assistant, "content": <text>}` dict. With `function_items`,
two more kinds are accepted because the tool-messages rule (RSP015) converts them: a
`{"role": "tool", ...}` result and an assistant message with literal `tool_calls`. Anything
the tool cannot see (a list from the caller, a list handed to another function) is reported
as an assumption.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

import libcst as cst

from migrator.syntax import Binding, SourceTree, dict_entries, literal_string
from migrator.analysis.paths import MESSAGE_PATH
from migrator.analysis.content import ContentReader, Problem
from migrator.analysis.instance_lists import InstanceList, instance_list
from migrator.analysis.unpacking import reading_call

PLAIN_ROLES = frozenset({"system", "developer", "user", "assistant"})
REPLY_PATH = MESSAGE_PATH
DUMP_PATH = (*REPLY_PATH, "model_dump", "()")
#: A reply as the message object or its `model_dump()`: of a result, or through a name that
#: holds the message object or a part above it (the rewrite makes that name hold the response).
REPLY_PATHS = frozenset({REPLY_PATH, DUMP_PATH})
#: Keys a Chat tool result may have; `name` is dropped (the call id names the call).
TOOL_MESSAGE_KEYS = frozenset({"role", "tool_call_id", "content", "name"})
_READ_ONLY_METHODS = frozenset({"pop", "clear", "remove", "copy", "index", "count", "reverse"})
_READ_ONLY_BUILTINS = frozenset({"len", "print", "list", "tuple", "repr", "str", "reversed", "enumerate"})
_NOT_TEXT = (cst.List, cst.ListComp, cst.Dict, cst.DictComp, cst.Set, cst.Tuple)

#: Whether an expression is the assistant reply of a migrated call (`<result>.choices[0].message`).
IsReply: TypeAlias = Callable[[cst.BaseExpression], bool]


@dataclass(frozen=True)
class ListedMessage:
    """One message put in the list: the expression, and the node that puts it there."""

    node: cst.BaseExpression
    #: The `cst.Element` of a list literal, or the `.append(...)` / `.insert(...)` call.
    holder: cst.BaseElement | cst.Call


def messages_problems(
    tree: SourceTree,
    value: cst.BaseExpression,
    is_reply: IsReply,
    *,
    function_items: bool = False,
    contents: ContentReader | None = None,
    parts: bool = False,
) -> list[Problem]:
    """Why `value` (a `messages=` argument) might not be valid Responses input.

    `is_reply(expr)` tells whether an expression is `<result>.choices[0].message` of a call the
    tool migrates; appending such a reply is handled by the history-reply rules. With
    `contents`, every message's content is shown to be text or parts the tool sees whole
    (`migrator/content.py`); with `parts`, content parts are left to the content-parts rule.
    """
    messages, problems = listed_messages(tree, value, is_reply)
    for message in messages:
        problems.extend(
            message_problems(tree, message.node, function_items=function_items, contents=contents, parts=parts)
        )
        if function_items and function_item_kind(message.node) == "tool_calls" and not _can_expand(message):
            problems.append(
                Problem(
                    message.node, "an assistant message with `tool_calls` added by `insert` cannot be converted", False
                )
            )
    return problems


def listed_messages(
    tree: SourceTree, value: cst.BaseExpression, is_reply: IsReply
) -> tuple[list[ListedMessage], list[Problem]]:
    """The messages `value` is built from (replies excepted), and what hides the rest."""
    if isinstance(value, cst.List):
        return _literal_messages(value)
    if isinstance(value, cst.Name):
        return _local_list_messages(tree, value, is_reply)
    owned = instance_list(tree, value)
    if owned is not None:
        return _instance_list_messages(tree, owned, is_reply)
    return [], [Problem(value, f"`messages` is `{tree.quote(value, 60)}`; the tool cannot see what it holds", True)]


def list_bindings(tree: SourceTree, value: cst.BaseExpression) -> list[Binding]:
    """The bindings of a `messages=` name (empty for a literal list)."""
    return tree.bindings_of(value) if isinstance(value, cst.Name) else []


def list_references(tree: SourceTree, value: cst.BaseExpression) -> list[cst.Name | cst.Attribute]:
    """Every read of the list a `messages=` argument names: a local's loads, or `self.<attr>`'s."""
    owned = instance_list(tree, value)
    if owned is not None:
        return [*owned.references, *owned.outside]
    return [reference for binding in list_bindings(tree, value) for reference in tree.references(binding)]


def function_item_kind(message: cst.BaseExpression) -> str | None:
    """ "tool" for a tool result, "tool_calls" for an assistant message with tool calls."""
    keys = _keys(message)
    if not keys or "role" not in keys:
        return None
    role = literal_string(keys["role"].value)
    if role == "tool":
        return "tool"
    if role == "assistant" and "tool_calls" in keys:
        return "tool_calls"
    return None


def _literal_messages(literal: cst.List) -> tuple[list[ListedMessage], list[Problem]]:
    messages, problems = [], []
    for element in literal.elements:
        if isinstance(element, cst.StarredElement):
            problems.append(Problem(element, "a starred element in `messages` hides what it adds", True))
        else:
            messages.append(ListedMessage(element.value, element))
    return messages, problems


def message_problems(
    tree: SourceTree,
    message: cst.BaseExpression,
    *,
    function_items: bool = False,
    contents: ContentReader | None = None,
    parts: bool = False,
) -> list[Problem]:
    """Problems with one message expression used as Responses input (see `messages_problems`)."""
    if not isinstance(message, cst.Dict):
        return [Problem(message, f"the message `{tree.quote(message, 60)}` is not a literal dict", True)]
    keys = _keys(message)
    if keys is None:
        computed = next(
            e for e in message.elements if not (isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString))
        )
        return [Problem(computed, "a message with computed keys cannot be checked", True)]
    role = keys.get("role")
    role_value = literal_string(role.value) if role is not None else None
    if role_value is None:
        return [Problem(message, "a message whose role is not a literal string cannot be checked", True)]
    if role_value == "tool":
        if function_items:
            return _tool_message_problems(message, keys)
        return [
            Problem(
                message,
                'a `role: "tool"` message must become a `function_call_output` item (`call_id`, `output`)',
                False,
            )
        ]
    if role_value == "function":
        return [
            Problem(message, 'a legacy `role: "function"` message has no Responses form (it lacks a call id)', False)
        ]
    if role_value not in PLAIN_ROLES:
        return [Problem(message, f"unknown message role {role_value!r}", False)]
    if function_items and role_value == "assistant" and "tool_calls" in keys:
        return _tool_calls_problems(keys)
    extra = sorted(set(keys) - {"role", "content"})
    if extra:
        names = ", ".join(f"`{k}`" for k in extra)
        return [Problem(keys[extra[0]], f"message key(s) {names} have no plain Responses equivalent", False)]
    content = keys.get("content")
    if content is None:
        return []
    if contents is None:
        if isinstance(content.value, (cst.List, cst.ListComp)):
            return [Problem(content, _PARTS_UNCONVERTED, False)]
        return []
    found = contents.read(message, content.value)
    if found.parts and not parts:
        return [Problem(content, _PARTS_UNCONVERTED, False)]
    return found.problems


_PARTS_UNCONVERTED = "content parts must be converted to Responses parts (`input_text`, `input_image`)"


def _tool_message_problems(message: cst.Dict, keys: dict[str, cst.DictElement]) -> list[Problem]:
    extra = sorted(set(keys) - TOOL_MESSAGE_KEYS)
    if extra:
        return [Problem(keys[extra[0]], f"a tool message with `{extra[0]}` has no `function_call_output` form", False)]
    missing = [key for key in ("tool_call_id", "content") if key not in keys]
    if missing:
        return [
            Problem(message, f"a tool message without `{missing[0]}` cannot become a `function_call_output`", False)
        ]
    if isinstance(keys["content"].value, _NOT_TEXT):
        return [Problem(keys["content"], "a `function_call_output` takes its output as a string, not parts", False)]
    return []


def _tool_calls_problems(keys: dict[str, cst.DictElement]) -> list[Problem]:
    """An assistant message with tool calls converts when all of it is written out literally."""
    extra = sorted(set(keys) - {"role", "content", "tool_calls"})
    if extra:
        return [Problem(keys[extra[0]], f"an assistant message with `{extra[0]}` cannot be converted", False)]
    content = keys.get("content")
    if content is not None and assistant_text(content.value) is None:
        return [
            Problem(
                content, "the content of an assistant message with tool calls must be a literal string or None", False
            )
        ]
    calls = keys["tool_calls"].value
    if not isinstance(calls, cst.List):
        return [Problem(calls, "`tool_calls` must be a list literal to become `function_call` items", False)]
    for element in calls.elements:
        if tool_call_fields(element) is None:
            return [
                Problem(
                    element,
                    'each tool call must be a literal `{"id", "type": "function", "function": {"name", "arguments"}}`',
                    False,
                )
            ]
    return []


def assistant_text(value: cst.BaseExpression) -> str | None:
    """The literal text of an assistant message's content ("" for None); None if not literal."""
    if isinstance(value, cst.Name) and value.value == "None":
        return ""
    return literal_string(value)


def tool_call_fields(element: cst.BaseElement) -> dict[str, cst.BaseExpression] | None:
    """`{"id": ..., "name": ..., "arguments": ...}` of one literal Chat tool call, or None."""
    if isinstance(element, cst.StarredElement):
        return None
    call = _keys(element.value)
    if call is None or set(call) - {"id", "type", "function"} or not {"id", "function"} <= set(call):
        return None
    if "type" in call and literal_string(call["type"].value) != "function":
        return None
    function = _keys(call["function"].value)
    if function is None or set(function) != {"name", "arguments"}:
        return None
    return {"id": call["id"].value, "name": function["name"].value, "arguments": function["arguments"].value}


def _can_expand(message: ListedMessage) -> bool:
    """One message can become several items in a list literal or an `.append(...)`."""
    holder = message.holder
    if not isinstance(holder, cst.Call):  # an element of a list literal
        return True
    return isinstance(holder.func, cst.Attribute) and holder.func.attr.value == "append"


def _local_list_messages(
    tree: SourceTree, name: cst.Name, is_reply: IsReply
) -> tuple[list[ListedMessage], list[Problem]]:
    bindings = tree.bindings_of(name)
    if not bindings:
        return [], [Problem(name, f"`{name.value}` is not defined in this file", True)]
    messages, problems = [], []
    for binding in bindings:
        if binding.kind == "param":
            problems.append(
                Problem(name, f"`{name.value}` comes from the caller; the tool cannot see what it holds", True)
            )
        elif binding.kind in ("assign", "annassign") and isinstance(binding.value, cst.List):
            listed, hidden = _literal_messages(binding.value)
            messages.extend(listed)
            problems.extend(hidden)
        else:
            problems.append(Problem(binding.node, f"`{name.value}` is bound in a way the tool cannot follow", True))
            continue
        for reference in tree.references(binding):
            listed, hidden = _reference_messages(tree, reference, is_reply)
            messages.extend(listed)
            problems.extend(hidden)
    return messages, problems


def _instance_list_messages(
    tree: SourceTree, owned: InstanceList, is_reply: IsReply
) -> tuple[list[ListedMessage], list[Problem]]:
    """The messages of `self.<attr>`: its assignments and appends in the class's methods."""
    messages, problems = [], []
    for node in owned.foreign:
        problems.append(
            Problem(
                node,
                f"`{owned.display}` is also reached in `{tree.quote(_small_statement(tree, node), 60)}`; "
                "the tool cannot see what that puts in the list",
                True,
            )
        )
    for assign, _ in owned.assignments:
        if isinstance(assign.value, cst.List):
            listed, hidden = _literal_messages(assign.value)
            messages.extend(listed)
            problems.extend(hidden)
        else:
            problems.append(Problem(assign, f"`{owned.display}` is bound in a way the tool cannot follow", True))
    if not owned.assignments:
        problems.append(Problem(owned.cls, f"`{owned.display}` is never assigned in this class", True))
    for reference in [*owned.references, *owned.outside]:
        listed, hidden = _reference_messages(tree, reference, is_reply)
        messages.extend(listed)
        problems.extend(hidden)
    return messages, problems


def _reference_messages(
    tree: SourceTree, reference: cst.Name | cst.Attribute, is_reply: IsReply
) -> tuple[list[ListedMessage], list[Problem]]:
    parent = tree.parent(reference)
    if isinstance(parent, cst.Arg):
        call = tree.parent(parent)
        if parent.keyword is not None and parent.keyword.value == "messages":
            return [], []  # another create call reading the same list
        if (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Name)
            and call.func.value in _READ_ONLY_BUILTINS
            and not tree.bindings_of(call.func)
        ):
            return [], []
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is reference:
        return [], []
    if isinstance(parent, cst.Subscript) and parent.value is reference and not _is_store(tree, parent):
        return [], []
    if isinstance(parent, cst.Attribute) and parent.value is reference:
        call = tree.parent(parent)
        method = parent.attr.value
        if isinstance(call, cst.Call) and call.func is parent:
            if method in _READ_ONLY_METHODS:
                return [], []
            if method in ("append", "insert") and call.args:
                added = call.args[-1].value
                return ([] if is_reply(added) else [ListedMessage(added, call)]), []
            if method == "extend" and len(call.args) == 1 and isinstance(call.args[0].value, cst.List):
                return _literal_messages(call.args[0].value)
    if reading_call(tree, reference) is not None:
        return [], []  # the `messages` of a `create(**params)` call, like `messages=` above
    context = parent if parent is not None else reference
    return [], [
        Problem(
            reference,
            f"`{tree.quote(reference)}` is used in `{tree.quote(context, 60)}`; the tool cannot see what that puts in the list",
            True,
        )
    ]


def _small_statement(tree: SourceTree, node: cst.CSTNode) -> cst.CSTNode:
    return tree.enclosing(node, (cst.BaseSmallStatement,)) or node


def _keys(message: cst.BaseExpression) -> dict[str, cst.DictElement] | None:
    """A dict literal's entries by string key; None if it is not one or a key is computed."""
    return dict_entries(message) if isinstance(message, cst.Dict) else None


def _is_store(tree: SourceTree, node: cst.CSTNode) -> bool:
    parent = tree.parent(node)
    return isinstance(parent, (cst.AssignTarget, cst.Del)) or (
        isinstance(parent, cst.AugAssign) and parent.target is node
    )
