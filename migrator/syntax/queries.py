"""Questions about nodes in a `SourceTree`: where a value is read or written, what statement or
class holds a node, which keyword argument a call has."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

if TYPE_CHECKING:
    from migrator.syntax.tree import SourceTree

from migrator.syntax.literals import subscript_key


def kwarg(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def assigned_value(tree: SourceTree, name: cst.Name) -> cst.BaseExpression | None:
    """The value of the one plain assignment `name` can refer to (`LIMIT = 200`), else None.

    `tree` is the file's `SourceTree`.
    """
    bindings = tree.bindings_of(name)
    if len(bindings) == 1 and bindings[0].kind in ("assign", "annassign"):
        return bindings[0].value
    return None


def read_chain(tree: SourceTree, base: cst.BaseExpression) -> tuple[list[cst.BaseExpression], tuple[str | int, ...]]:
    """The accesses made on `base`: the nodes covering each step and the path, like `ResultUse`."""
    chain: list[cst.BaseExpression] = [base]
    path: list[str | int] = []
    node = base
    while True:
        parent = tree.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            path.append(parent.attr.value)
        elif isinstance(parent, cst.Subscript) and parent.value is node:
            path.append(subscript_key(parent))
        elif isinstance(parent, cst.Call) and parent.func is node:
            path.append("()")
        else:
            return chain, tuple(path)
        chain.append(parent)
        node = parent


def is_written(tree: SourceTree, node: cst.CSTNode) -> bool:
    """True when `node` is assigned to or deleted rather than read."""
    parent = tree.parent(node)
    return isinstance(parent, (cst.AssignTarget, cst.Del)) or (
        isinstance(parent, (cst.AugAssign, cst.AnnAssign)) and parent.target is node
    )


def is_builtin_call(tree: SourceTree, node: cst.CSTNode, name: str) -> bool:
    """True when `node` is a call of the builtin `name` (not shadowed in this file)."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == name
        and not tree.bindings_of(node.func)
    )


def only_argument_of(tree: SourceTree, node: cst.CSTNode, name: str) -> cst.Call | None:
    """The call if `node` is the single plain argument of the builtin `name`, as in `len(node)`."""
    arg = tree.parent(node)
    call = tree.parent(arg) if isinstance(arg, cst.Arg) else None
    if (
        isinstance(arg, cst.Arg)
        and isinstance(call, cst.Call)
        and is_builtin_call(tree, call, name)
        and len(call.args) == 1
        and arg.keyword is None
        and not arg.star
    ):
        return call
    return None


def is_truth_tested(tree: SourceTree, node: cst.CSTNode) -> bool:
    """True when only the truth of `node` matters: `if node:`, `not node`, `bool(node)`, ..."""
    parent = tree.parent(node)
    if isinstance(parent, (cst.If, cst.While, cst.IfExp, cst.CompIf, cst.Assert)) and parent.test is node:
        return True
    if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not):
        return True
    if isinstance(parent, cst.BooleanOperation):
        # `a and node` is itself a value unless its truth is all that is used.
        return is_truth_tested(tree, parent)
    return only_argument_of(tree, node, "bool") is not None


def is_inside(tree: SourceTree, node: cst.CSTNode, container: cst.CSTNode) -> bool:
    return any(ancestor is container for ancestor in tree.ancestors(node))


def statement_of(tree: SourceTree, node: cst.CSTNode) -> cst.CSTNode | None:
    """The statement line or compound statement that contains `node`."""
    for ancestor in (node, *tree.ancestors(node)):
        if isinstance(ancestor, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return ancestor
    return None


def none_comparison(tree: SourceTree, node: cst.BaseExpression) -> cst.Comparison | None:
    """The comparison if `node` is compared with None (`node is None`, `None != node`, ...)."""
    parent = tree.parent(node)
    comparison = tree.parent(parent) if isinstance(parent, cst.ComparisonTarget) else parent
    if not isinstance(comparison, cst.Comparison):
        return None
    sides = [comparison.left, *(target.comparator for target in comparison.comparisons)]
    if any(side is node for side in sides) and any(isinstance(s, cst.Name) and s.value == "None" for s in sides):
        return comparison
    return None


def rebound_by_other_loop(tree: SourceTree, reference: cst.Name) -> bool:
    """True when `reference` is inside a `for` loop whose own variable has the same name: it reads
    that loop's value, whatever other bindings the (flow-insensitive) name lookup also lists."""
    return any(
        isinstance(a, cst.For)
        and isinstance(a.target, cst.Name)
        and a.target.value == reference.value
        and is_inside(tree, reference, a.body)
        for a in tree.ancestors(reference)
    )


def receiver_class(tree: SourceTree, attr: cst.Attribute, *, class_methods: bool = True) -> cst.ClassDef | None:
    """The class whose method reads `attr` as `<first parameter>.<name>` (`self.client`);
    without `class_methods`, not in a `@staticmethod` / `@classmethod`."""
    if not isinstance(attr.value, cst.Name):
        return None
    method = tree.enclosing(attr, (cst.FunctionDef,))
    if (
        not isinstance(method, cst.FunctionDef)
        or not method.params.params
        or method.params.params[0].name.value != attr.value.value
    ):
        return None
    if not class_methods and any(
        isinstance(d.decorator, cst.Name) and d.decorator.value in ("staticmethod", "classmethod")
        for d in method.decorators
    ):
        return None
    body = tree.parent(method)
    cls = tree.parent(body) if body is not None else None
    return cls if isinstance(cls, cst.ClassDef) else None


def class_level_targets(cls: cst.ClassDef) -> list[cst.BaseAssignTargetExpression]:
    """What the statements of a class body assign to (`client = ...`, `__slots__: ... = ...`)."""
    targets: list[cst.BaseAssignTargetExpression] = []
    for statement in cls.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    targets.extend(t.target for t in small.targets)
                elif isinstance(small, cst.AnnAssign):
                    targets.append(small.target)
    return targets
