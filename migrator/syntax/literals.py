"""Reading and writing literal values in LibCST nodes: strings, dict entries, subscript keys."""

from __future__ import annotations

import libcst as cst


def dict_entries(node: cst.Dict) -> dict[str, cst.DictElement] | None:
    """The entries of a dict literal keyed by their string keys, or None if any key is not one."""
    entries = {}
    for element in node.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
            return None
        key = string_value(element.key)
        if isinstance(key, bytes):
            return None  # (`b"role"`: no key a message or a tool has)
        entries[key] = element
    return entries


def string(value: str, like: cst.SimpleString | None = None) -> cst.SimpleString:
    """A string literal, in the quote style of `like` when given (double quotes otherwise)."""
    quote = "'" if like is not None and like.quote == "'" and '"' not in value else '"'
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return cst.SimpleString(f"{quote}{escaped}{quote}")


def expression(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def literal_bool(expr: cst.BaseExpression) -> bool | None:
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value == "True"
    return None


def literal_string(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.SimpleString):
        value = string_value(expr)
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.ConcatenatedString):
        joined = expr.evaluated_value
        return joined if isinstance(joined, str) else None
    return None


def string_value(node: cst.SimpleString) -> str | bytes:
    """`node.evaluated_value`, read off the quotes for a plain string (no prefix, no backslash,
    no carriage return): LibCST evaluates every literal with `ast.literal_eval`, which compiles
    it, and dict keys and message roles are read thousands of times in a run."""
    value = node.value
    if value[0] in "'\"" and "\\" not in value and "\r" not in value:
        quotes = 3 if len(value) >= 6 and value[:3] in ('"""', "'''") else 1
        return value[quotes:-quotes]
    return node.evaluated_value


def dict_element(key: str, value: cst.BaseExpression) -> cst.DictElement:
    return cst.DictElement(string(key), value)


def subscript_key(subscript: cst.Subscript) -> str | int:
    """An integer index as an int; any other subscript as "[]" (as `ResultUse.path` has it)."""
    if len(subscript.slice) == 1:
        index = subscript.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer):
            return int(index.value.value)
    return "[]"
