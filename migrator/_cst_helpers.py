"""Small LibCST edits shared by the rules: keyword arguments and dict entries.

Every helper keeps the call's own layout: commas keep their whitespace, so a one-line call
stays on one line and a one-argument-per-line call keeps that shape.
"""

from __future__ import annotations

import libcst as cst

_DEFAULT = cst.MaybeSentinel.DEFAULT


def kwarg(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def rename_kwarg(call: cst.Call, old: str, new: str) -> cst.Call:
    return call.with_changes(
        args=[
            arg.with_changes(keyword=cst.Name(new)) if arg.keyword is not None and arg.keyword.value == old else arg
            for arg in call.args
        ]
    )


def set_kwarg_value(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    return call.with_changes(
        args=[
            arg.with_changes(value=value) if arg.keyword is not None and arg.keyword.value == name else arg
            for arg in call.args
        ]
    )


def replace_kwarg(call: cst.Call, name: str, new_name: str, value: cst.BaseExpression) -> cst.Call:
    """Put `new_name=value` where `name=...` was, keeping its comma and place."""
    return call.with_changes(
        args=[
            arg.with_changes(keyword=cst.Name(new_name), value=value)
            if arg.keyword is not None and arg.keyword.value == name
            else arg
            for arg in call.args
        ]
    )


def remove_kwarg(call: cst.Call, name: str) -> cst.Call:
    args = list(call.args)
    index = next((i for i, a in enumerate(args) if a.keyword is not None and a.keyword.value == name), None)
    if index is None:
        return call
    removed = args.pop(index)
    if index == len(args) and args:
        # The new last argument takes over the removed one's trailing comma (or lack of it).
        args[-1] = args[-1].with_changes(comma=removed.comma)
    return call.with_changes(args=args)


def add_kwarg(call: cst.Call, name: str, value: cst.BaseExpression, *, before: str | None = None) -> cst.Call:
    """Add `name=value` before the keyword `before` (when given and present) or at the end."""
    new_arg = cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
    args = list(call.args)
    index = next((i for i, a in enumerate(args) if before and a.keyword is not None and a.keyword.value == before), None)
    if index is not None:
        args.insert(index, new_arg.with_changes(comma=_separator(call, args, index)))
        return call.with_changes(args=args)
    if not args:
        return call.with_changes(args=[new_arg])
    last = args[-1]
    separator = _separator(call, args, len(args) - 1)
    if last.comma is not _DEFAULT:
        # A trailing comma: the call is laid out one argument per line.
        args[-1] = last.with_changes(comma=separator)
        args.append(new_arg.with_changes(comma=last.comma))
    else:
        args[-1] = last.with_changes(comma=separator)
        args.append(new_arg)
    return call.with_changes(args=args)


def _separator(call: cst.Call, args: list[cst.Arg], index: int) -> cst.Comma:
    """The comma to put after a new or existing argument, copied from a neighbour."""
    for arg in args[:index] + args[index + 1 :]:
        if isinstance(arg.comma, cst.Comma) and _is_between(arg, args):
            return arg.comma
    whitespace = call.whitespace_before_args
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=whitespace)
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _is_between(arg: cst.Arg, args: list[cst.Arg]) -> bool:
    return arg is not args[-1]


def dict_entries(node: cst.Dict) -> dict[str, cst.DictElement] | None:
    """The entries of a dict literal keyed by their string keys, or None if any key is not one."""
    entries = {}
    for element in node.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
            return None
        entries[element.key.evaluated_value] = element
    return entries


def remove_dict_keys(node: cst.Dict, keys: set[str]) -> cst.Dict:
    elements = list(node.elements)
    kept = [e for e in elements if not (isinstance(e.key, cst.SimpleString) and e.key.evaluated_value in keys)]
    if kept and kept[-1] is not elements[-1]:
        kept[-1] = kept[-1].with_changes(comma=elements[-1].comma)
    return node.with_changes(elements=kept)


def remove_extra_body_keys(call: cst.Call, keys: set[str]) -> cst.Call:
    """Remove `keys` from a literal `extra_body` dict, and the argument once it is empty."""
    arg = kwarg(call, "extra_body")
    if arg is None or not isinstance(arg.value, cst.Dict):
        return call
    trimmed = remove_dict_keys(arg.value, keys)
    if not trimmed.elements:
        return remove_kwarg(call, "extra_body")
    return set_kwarg_value(call, "extra_body", trimmed)


def string(value: str, like: cst.SimpleString | None = None) -> cst.SimpleString:
    """A string literal, in the quote style of `like` when given (double quotes otherwise)."""
    quote = "'" if like is not None and like.quote == "'" and '"' not in value else '"'
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return cst.SimpleString(f"{quote}{escaped}{quote}")


def expression(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)
