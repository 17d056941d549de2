"""What a `messages=` argument holds, and whether it is valid Responses `input` as it is.

A Chat message list is valid Responses input when every message is a plain
`{"role": system|developer|user|assistant, "content": <text>}` dict. Anything the tool cannot
see (a list from the caller, a list handed to another function) is reported as an assumption.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from migrator._tree import SourceTree

PLAIN_ROLES = frozenset({"system", "developer", "user", "assistant"})
REPLY_PATH = ("choices", 0, "message")
_READ_ONLY_METHODS = frozenset({"pop", "clear", "remove", "copy", "index", "count", "reverse"})
_READ_ONLY_BUILTINS = frozenset({"len", "print", "list", "tuple", "repr", "str", "reversed", "enumerate"})


@dataclass(frozen=True)
class Problem:
    node: cst.CSTNode
    message: str
    #: True when the list may well be fine but the tool cannot see it.
    unsafe: bool


def messages_problems(tree: SourceTree, value: cst.BaseExpression, is_reply) -> list[Problem]:
    """Why `value` (a `messages=` argument) might not be valid Responses input.

    `is_reply(expr)` tells whether an expression is `<result>.choices[0].message` of a call the
    tool migrates; appending such a reply is handled by the history-reply rule.
    """
    if isinstance(value, cst.List):
        return _literal_problems(tree, value)
    if isinstance(value, cst.Name):
        return _local_list_problems(tree, value, is_reply)
    return [Problem(value, f"`messages` is `{_short(tree, value)}`; the tool cannot see what it holds", True)]


def _literal_problems(tree: SourceTree, literal: cst.List) -> list[Problem]:
    problems = []
    for element in literal.elements:
        if isinstance(element, cst.StarredElement):
            problems.append(Problem(element, "a starred element in `messages` hides what it adds", True))
        else:
            problems.extend(message_problems(tree, element.value))
    return problems


def message_problems(tree: SourceTree, message: cst.BaseExpression) -> list[Problem]:
    """Problems with one message expression used as Responses input."""
    if not isinstance(message, cst.Dict):
        return [Problem(message, f"the message `{_short(tree, message)}` is not a literal dict", True)]
    keys = {}
    for element in message.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
            return [Problem(element, "a message with computed keys cannot be checked", True)]
        keys[element.key.evaluated_value] = element
    role = keys.get("role")
    role_value = role.value.evaluated_value if role is not None and isinstance(role.value, cst.SimpleString) else None
    if role_value is None:
        return [Problem(message, "a message whose role is not a literal string cannot be checked", True)]
    if role_value == "tool":
        return [Problem(message, "a `role: \"tool\"` message must become a `function_call_output` item (`call_id`, `output`)", False)]
    if role_value == "function":
        return [Problem(message, "a legacy `role: \"function\"` message has no Responses form (it lacks a call id)", False)]
    if role_value not in PLAIN_ROLES:
        return [Problem(message, f"unknown message role {role_value!r}", False)]
    extra = sorted(set(keys) - {"role", "content"})
    if extra:
        names = ", ".join(f"`{k}`" for k in extra)
        return [Problem(keys[extra[0]], f"message key(s) {names} have no plain Responses equivalent", False)]
    content = keys.get("content")
    if content is not None and isinstance(content.value, (cst.List, cst.ListComp)):
        return [Problem(content, "content parts must be converted to Responses parts (`input_text`, `input_image`)", False)]
    return []


def _local_list_problems(tree: SourceTree, name: cst.Name, is_reply) -> list[Problem]:
    bindings = tree.bindings_of(name)
    if not bindings:
        return [Problem(name, f"`{name.value}` is not defined in this file", True)]
    problems = []
    for binding in bindings:
        if binding.kind == "param":
            problems.append(Problem(name, f"`{name.value}` comes from the caller; the tool cannot see what it holds", True))
        elif binding.kind in ("assign", "annassign") and isinstance(binding.value, cst.List):
            problems.extend(_literal_problems(tree, binding.value))
        else:
            problems.append(Problem(binding.node, f"`{name.value}` is bound in a way the tool cannot follow", True))
            continue
        for reference in tree.references(binding):
            problems.extend(_reference_problems(tree, reference, is_reply))
    return problems


def _reference_problems(tree: SourceTree, reference: cst.Name, is_reply) -> list[Problem]:
    parent = tree.parent(reference)
    if isinstance(parent, cst.Arg):
        call = tree.parent(parent)
        if parent.keyword is not None and parent.keyword.value == "messages":
            return []  # another create call reading the same list
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value in _READ_ONLY_BUILTINS:
            if not tree.bindings_of(call.func):
                return []
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is reference:
        return []
    if isinstance(parent, cst.Subscript) and parent.value is reference and not _is_store(tree, parent):
        return []
    if isinstance(parent, cst.Attribute) and parent.value is reference:
        call = tree.parent(parent)
        method = parent.attr.value
        if isinstance(call, cst.Call) and call.func is parent:
            if method in _READ_ONLY_METHODS:
                return []
            if method in ("append", "insert") and call.args:
                added = call.args[-1].value
                return [] if is_reply(added) else message_problems(tree, added)
            if method == "extend" and len(call.args) == 1 and isinstance(call.args[0].value, cst.List):
                return _literal_problems(tree, call.args[0].value)
    context = parent if parent is not None else reference
    return [
        Problem(
            reference,
            f"`{reference.value}` is used in `{_short(tree, context)}`; the tool cannot see what that puts in the list",
            True,
        )
    ]


def _is_store(tree: SourceTree, node: cst.CSTNode) -> bool:
    parent = tree.parent(node)
    return isinstance(parent, (cst.AssignTarget, cst.Del)) or (isinstance(parent, cst.AugAssign) and parent.target is node)


def _short(tree: SourceTree, node: cst.CSTNode, limit: int = 60) -> str:
    text = " ".join(tree.code(node).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
