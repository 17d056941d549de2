"""Lists kept on an object: `self.<attr>` in the methods of one class.

A chat class often keeps its history on the instance:

    class Bot:
        def __init__(self):
            self.messages = [{"role": "system", "content": "..."}]

        def ask(self, question):
            self.messages.append({"role": "user", "content": question})
            ...create(model=MODEL, messages=self.messages)

`instance_list(tree, expr)` gathers everything this file does with `self.messages` for such an
expression: where it is assigned, where it is read, and what reaches the same attribute name from
outside the class's own methods (`bot.messages`, a subclass, `getattr(bot, "messages")`). The
message checks (`migrator/analysis/messages.py`) and the chain proof (`migrator/analysis/chains.py`) both
ask it, so they see the same uses. Like a module-level list, code in other modules is not seen.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import libcst as cst

from migrator.syntax import SourceTree, class_level_targets, receiver_class, string_value


@dataclass(eq=False)
class InstanceList:
    cls: cst.ClassDef
    attr: str
    #: `self.<attr> = <value>` statements in the class's methods: (the Assign, its method).
    assignments: list[tuple[cst.Assign, cst.FunctionDef]] = field(default_factory=list)
    #: Reads of `self.<attr>` in the class's methods (the `cst.Attribute` nodes).
    references: list[cst.Attribute] = field(default_factory=list)
    #: Reads of the attribute name from outside the class's methods that may be this list:
    #: `bot.<attr>`, a subclass's `self.<attr>`. (Another class's own `self.<attr>` is not.)
    outside: list[cst.Attribute] = field(default_factory=list)
    #: Other ways of reaching it: a class-level `<attr> = ...`, a store other than a plain
    #: `self.<attr> = ...`, `getattr(obj, "<attr>")`.
    foreign: list[cst.CSTNode] = field(default_factory=list)

    @property
    def display(self) -> str:
        return f"self.{self.attr}"


_ATTRIBUTE_BUILTINS = frozenset({"getattr", "setattr", "hasattr", "delattr"})
_CACHE: weakref.WeakKeyDictionary[SourceTree, dict[tuple[int, str], InstanceList | None]] = weakref.WeakKeyDictionary()


def instance_list(tree: SourceTree, expr: cst.BaseExpression) -> InstanceList | None:
    """What the file does with `self.<attr>`, if `expr` is that in a method of a class."""
    if not isinstance(expr, cst.Attribute):
        return None
    cls = owning_class(tree, expr)
    if cls is None:
        return None
    memo = _CACHE.setdefault(tree, {})
    key = (id(cls), expr.attr.value)
    if key not in memo:
        memo[key] = _gather(tree, cls, expr.attr.value)
    return memo[key]


def owning_class(tree: SourceTree, attr: cst.Attribute) -> cst.ClassDef | None:
    """The class whose (instance) method reads `attr` as `<first parameter>.<name>`."""
    return receiver_class(tree, attr, class_methods=False)


def _gather(tree: SourceTree, cls: cst.ClassDef, name: str) -> InstanceList:
    found = InstanceList(cls, name)
    for node in tree.nodes(cst.Attribute):
        if node.attr.value != name:
            continue
        owner = owning_class(tree, node)
        if owner is not cls:
            if owner is None or _inherits(tree, owner, cls):
                (found.foreign if _is_store(tree, node) else found.outside).append(node)
            continue
        parent = tree.parent(node)
        if isinstance(parent, cst.AssignTarget):
            assign = tree.parent(parent)
            assert isinstance(assign, cst.Assign)  # (an assignment target's parent)
            if len(assign.targets) == 1 and parent.target is node:
                method = tree.enclosing(node, (cst.FunctionDef,))
                assert isinstance(method, cst.FunctionDef)  # (`owning_class` found the method)
                found.assignments.append((assign, method))
            else:
                found.foreign.append(node)
        elif _is_store(tree, node):
            found.foreign.append(node)
        else:
            found.references.append(node)
    # A class-level `messages = []` is shared by every instance.
    found.foreign.extend(t for t in class_level_targets(cls) if isinstance(t, cst.Name) and t.value == name)
    found.foreign.extend(s for s in tree.nodes(cst.SimpleString) if _names(s, name) and _is_attribute_name(tree, s))
    return found


def _is_store(tree: SourceTree, node: cst.CSTNode) -> bool:
    parent = tree.parent(node)
    if isinstance(parent, cst.AssignTarget):
        assign = tree.parent(parent)
        assert isinstance(assign, cst.Assign)  # (an assignment target's parent)
        return len(assign.targets) != 1 or parent.target is not node
    return isinstance(parent, (cst.AugAssign, cst.AnnAssign, cst.Del)) or _is_other_target(tree, node)


def _inherits(tree: SourceTree, cls: cst.ClassDef, base: cst.ClassDef, seen: frozenset[str] = frozenset()) -> bool:
    """Whether `cls` may be a subclass of `base`, through the classes of this file."""
    classes = {c.name.value: c for c in tree.nodes(cst.ClassDef)}
    for arg in cls.bases:
        # `ChatBot[int]` (a generic base) is a subclass of `ChatBot` all the same.
        value = arg.value.value if isinstance(arg.value, cst.Subscript) else arg.value
        named = value.attr.value if isinstance(value, cst.Attribute) else getattr(value, "value", None)
        if named == base.name.value:
            return True
        if not isinstance(named, str):
            continue  # (a base that is no name names no class of this file)
        parent = classes.get(named)
        if parent is not None and named not in seen and _inherits(tree, parent, base, seen | {named}):
            return True
    return False


def _is_attribute_name(tree: SourceTree, string: cst.SimpleString) -> bool:
    """The string is the name argument of `getattr` / `setattr` / `hasattr` / `delattr`."""
    arg = tree.parent(string)
    call = tree.parent(arg) if isinstance(arg, cst.Arg) else None
    return (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Name)
        and call.func.value in _ATTRIBUTE_BUILTINS
        and len(call.args) >= 2
        and call.args[1] is arg
    )


def _is_other_target(tree: SourceTree, node: cst.CSTNode) -> bool:
    """A store other than `self.x = ...` (for-loop target, tuple unpacking, walrus, with-as)."""
    child = node
    for ancestor in tree.ancestors(node):
        if isinstance(ancestor, (cst.Tuple, cst.List, cst.StarredElement, cst.Element)):
            child = ancestor
            continue
        if isinstance(ancestor, cst.AssignTarget):
            return True
        if isinstance(ancestor, (cst.For, cst.CompFor)) and ancestor.target is child:
            return True
        return isinstance(ancestor, cst.AsName)
    return False


def _names(string: cst.SimpleString, name: str) -> bool:
    try:
        return string_value(string) == name
    except Exception:  # noqa: BLE001 - an odd literal cannot name the attribute anyway
        return False
