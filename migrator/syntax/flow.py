"""Which assignment a read of a name sees, where the code's order alone decides it.

Scopes say which assignments a read *may* see: every one of its name in its scope. In
straight-line code the order says more: `completion = create(a)`, `print(completion...)`,
`completion = create(b)`, `print(completion...)` is two values read one after the other, each
read seeing one. This answers that for the common cases and gives up otherwise: the nearest
statement before the read, in its block or a block around it, is a plain assignment of the
name, and nothing on the way (no statement in between, no branch, loop or `try` around the
read) assigns it; or the read is in the body of `for <name> in ...:` and nothing else in that
body assigns the name.
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax.queries import is_inside
from migrator.syntax.scopes import Binding
from migrator.syntax.tree import SourceTree

_NEW_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def reaching_binding(tree: SourceTree, read: cst.Name) -> Binding | None:
    """The one assignment `read` sees, when the order of the statements shows it; None when it
    does not (several may reach it)."""
    bindings = tree.bindings_of(read)
    if len(bindings) < 2:
        return bindings[0] if bindings else None
    looped = _loop_variable(tree, read, bindings)
    if looped is not None:
        return looped
    if any(_elsewhere(tree, binding, read) for binding in bindings):
        return None  # (a function that assigns it may run between the two)
    plain = {id(s): b for b in bindings if (s := _assignment_statement(tree, b)) is not None}
    child: cst.CSTNode = read
    for ancestor in tree.ancestors(read):
        if isinstance(ancestor, _NEW_SCOPES):
            return None
        body = getattr(ancestor, "body", None)
        if isinstance(body, (tuple, list)) and any(statement is child for statement in body):
            # The nearest statement before it in its block that assigns the name is the one, if
            # no statement in between assigns it in any of its branches.
            position = next(i for i, statement in enumerate(body) if statement is child)
            for statement in reversed(body[:position]):
                if id(statement) in plain:
                    return plain[id(statement)]
                if any(is_inside(tree, binding.node, statement) for binding in bindings):
                    return None
        elif isinstance(ancestor, cst.BaseCompoundStatement) and any(
            is_inside(tree, binding.node, ancestor) for binding in bindings
        ):
            return None  # (a branch, a loop, a `try` that assigns it on the way)
        child = ancestor
    return None


def visible_bindings(tree: SourceTree, read: cst.Name) -> list[Binding]:
    """The assignments `read` may see: the one the order of the code shows, else all of them."""
    reaching = reaching_binding(tree, read)
    return [reaching] if reaching is not None else tree.bindings_of(read)


def _loop_variable(tree: SourceTree, read: cst.Name, bindings: list[Binding]) -> Binding | None:
    """In the body of `for <name> in ...:`, the loop's own binding, when nothing else in the
    body assigns the name (each pass assigns it before the body runs)."""
    child: cst.CSTNode = read
    for ancestor in tree.ancestors(read):
        if isinstance(ancestor, _NEW_SCOPES):
            return None
        if isinstance(ancestor, cst.For) and isinstance(ancestor.target, cst.Name):
            if ancestor.target.value == read.value:
                if child is not ancestor.body:
                    return None  # (in `else:` or the iterable: not one pass's value)
                own = [b for b in bindings if b.node is ancestor.target]
                inside = [b for b in bindings if b.node is not ancestor.target and is_inside(tree, b.node, ancestor.body)]
                return own[0] if len(own) == 1 and not inside else None
        child = ancestor
    return None


def _elsewhere(tree: SourceTree, binding: Binding, read: cst.Name) -> bool:
    """The binding is made in a function (or class) the read is not in (`global name`)."""
    scope = tree.enclosing(binding.node, _NEW_SCOPES)
    return scope is not None and not is_inside(tree, read, scope)


def _assignment_statement(tree: SourceTree, binding: Binding) -> cst.SimpleStatementLine | None:
    """The statement line of a plain `name = ...` / `name: T = ...` binding."""
    if binding.kind not in ("assign", "annassign"):
        return None
    small = tree.enclosing(binding.node, (cst.Assign, cst.AnnAssign))
    line = tree.parent(small) if small is not None else None
    return line if isinstance(line, cst.SimpleStatementLine) else None


