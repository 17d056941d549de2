"""Reading and rebuilding LibCST nodes straight from their dataclass fields: several times
faster than LibCST's visitors, which rebuild every node on the way back up."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar, cast

import libcst as cst

_Node = TypeVar("_Node", bound=cst.CSTNode)


def keep_parentheses(old: cst.CSTNode, new: cst.CSTNode) -> cst.CSTNode:
    """`new` in the parentheses `old` was written in, if it has none of its own: the code
    around may need them (`return(x)`, `yield(x)`, `not(x)` have no space to spare)."""
    lpar = getattr(old, "lpar", None)
    if new is not old and lpar and isinstance(new, cst.BaseExpression) and not new.lpar:
        return new.with_changes(lpar=lpar, rpar=getattr(old, "rpar"))
    return new


def all_field_names(node_type: type) -> tuple[str, ...]:
    names = _ALL_FIELD_NAMES.get(node_type)
    if names is None:
        names = _ALL_FIELD_NAMES[node_type] = tuple(field.name for field in dataclasses.fields(node_type))
    return names



def _is_node_type(cls: type, bases: tuple[type, ...]) -> bool:
    """`issubclass(cls, bases)` for LibCST's node classes, read from the class's MRO: `CSTNode`
    is an ABC, whose `issubclass` answers "no" by asking every one of its two hundred subclasses
    (some 25,000 calls the first time a run classifies the node types, about 0.01 s)."""
    mro = cls.__mro__
    return any(base in mro for base in bases)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_ALL_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
#: For `descendants`: each node type asked for, with its subclasses.
_TYPE_SETS: dict[type | tuple[type, ...], frozenset[type]] = {}
#: Whitespace, comments, operators and punctuation: no rule asks about them, so the
#: collector does not descend into them (a large share of every tree).
_TRIVIA = tuple(
    value
    for value in vars(cst).values()
    if isinstance(value, type)
    and value.__module__ in ("libcst._nodes.whitespace", "libcst._nodes.op")
    and _is_node_type(value, (cst.CSTNode,))
)
_TRIVIA_TYPES: set[type] = set()
_NODE_TYPES: set[type] = set()
#: Trivia types and types that are not nodes at all (None, sentinels, strings).
_OTHER_TYPES: set[type] = set()


def descendants(node: cst.CSTNode, node_type: type[_Node] | tuple[type[_Node], ...]) -> list[_Node]:
    """Every node of `node_type` in `node`'s subtree (itself included), in source order; works
    on nodes that are not (or no longer) in a tree."""
    types = _TYPE_SETS.get(node_type)
    if types is None:
        types = _TYPE_SETS[node_type] = with_subclasses(*(node_type if isinstance(node_type, tuple) else (node_type,)))
    found: list[cst.CSTNode] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current) in types:
            found.append(current)
        stack.extend(reversed(children(current)))
    return cast("list[_Node]", found)  # (each of a type in `types`: `node_type` or a subclass of it)


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The child nodes, read straight from the dataclass fields.

    LibCST's own visitor machinery rebuilds every node on the way back up; reading the fields
    is several times faster, and the collector only reads.
    """
    names = _FIELD_NAMES.get(type(node))
    if names is None:
        names = _FIELD_NAMES[type(node)] = _content_fields(type(node))
    children = []
    content, other = _NODE_TYPES, _OTHER_TYPES
    for name in names:
        value = getattr(node, name)
        value_type = type(value)
        if value_type is tuple or value_type is list:
            for item in value:
                item_type = type(item)
                if item_type in content or (item_type not in other and _is_content(item)):
                    children.append(item)
        elif value_type in content or (value_type not in other and _is_content(value)):
            children.append(value)
    return children


def replace_names(node: cst.CSTNode, values: Mapping[str, cst.CSTNode]) -> cst.CSTNode:
    """`node` with every Name whose value is a key of `values` replaced by the node given for it
    (which is not looked into), as a LibCST transformer with that `leave_Name` would return it,
    several times faster: only the branches that hold such a Name are rebuilt."""
    if type(node) is cst.Name:
        return values.get(node.value, node)
    names = _FIELD_NAMES.get(type(node))
    if names is None:
        names = _FIELD_NAMES[type(node)] = _content_fields(type(node))
    return with_children(node, names, lambda child: replace_names(child, values))


def with_children(node: _Node, names: Iterable[str], change: Callable[[cst.CSTNode], cst.CSTNode]) -> _Node:
    """`node` with `change(child)` for each child node in the fields `names`; the node itself
    when no child changed (so untouched branches stay shared)."""
    changes: dict[str, object] = {}
    for name in names:
        value = getattr(node, name)
        if type(value) is tuple or type(value) is list:
            items = [change(item) if isinstance(item, cst.CSTNode) else item for item in value]
            if any(new is not old for new, old in zip(items, value)):
                changes[name] = tuple(items)
        elif isinstance(value, cst.CSTNode):
            new = change(value)
            if new is not value:
                changes[name] = new
    return node.with_changes(**changes) if changes else node


def _content_fields(node_type: type) -> tuple[str, ...]:
    """The fields of `node_type` that may hold content nodes, as its type annotations tell:
    fields that can hold only strings, sentinels or trivia (whitespace, operators) are left out."""
    try:
        hints = typing.get_type_hints(node_type)
    except (NameError, TypeError, AttributeError):  # an annotation that does not resolve: read every field
        hints = {}
    return tuple(
        field.name
        for field in dataclasses.fields(node_type)
        if field.name not in hints or _may_hold_content(hints[field.name])
    )


def _may_hold_content(hint: object) -> bool:
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return False
    if origin is not None:  # Union, Optional, Sequence, ...
        return any(_may_hold_content(arg) for arg in typing.get_args(hint))
    if isinstance(hint, type):
        if _is_node_type(hint, (cst.CSTNode,)):
            return not _is_node_type(hint, _TRIVIA)
        return False  # str, bool, None, MaybeSentinel
    return True  # anything else: read it


def _is_content(value: object) -> bool:
    value_type = type(value)
    if value_type in _NODE_TYPES:
        return True
    if value_type in _TRIVIA_TYPES or value_type in _OTHER_TYPES:
        return False
    if not isinstance(value, cst.CSTNode):
        _OTHER_TYPES.add(value_type)
        return False
    if isinstance(value, _TRIVIA):
        _TRIVIA_TYPES.add(value_type)
        _OTHER_TYPES.add(value_type)
        return False
    _NODE_TYPES.add(value_type)
    return True


def with_subclasses(*classes: type) -> frozenset[type]:
    """The classes and all their subclasses: `type(x) in` this set is `isinstance(x, classes)`."""
    found, pending = set(), list(classes)
    while pending:
        cls = pending.pop()
        if cls not in found:
            found.add(cls)
            pending.extend(cls.__subclasses__())
    return frozenset(found)


#: The nodes whose code `_PositionState` notes for reuse (`_SplicingState.statement`).
