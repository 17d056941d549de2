"""Which assignment a read of a name sees, where the code's order alone decides it.

Scopes say which assignments a read *may* see: every one of its name in its scope. In
straight-line code the order says more: `completion = create(a)`, `print(completion...)`,
`completion = create(b)`, `print(completion...)` is two values read one after the other, each
read seeing one. This answers that for the common case and gives up otherwise: every
assignment of the name is a plain statement of one block, and no loop around that block can
bring a later one back round.
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax.scopes import Binding
from migrator.syntax.tree import SourceTree

_LOOPS = (cst.For, cst.While)
_NEW_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def reaching_binding(tree: SourceTree, read: cst.Name) -> Binding | None:
    """The one assignment `read` sees, when the order of the statements shows it; None when it
    does not (several may reach it, or none of them is a plain statement of one block)."""
    bindings = tree.bindings_of(read)
    if len(bindings) < 2:
        return bindings[0] if bindings else None
    statements = [_assignment_statement(tree, binding) for binding in bindings]
    block = tree.parent(statements[0]) if statements[0] is not None else None
    if block is None or any(s is None or tree.parent(s) is not block for s in statements):
        return None
    body = list(getattr(block, "body", ()))
    at = _statement_in(tree, read, block)
    if at is None:
        return None
    position = body.index(at)
    # (`x = f(x)`: the read on the right sees the assignment before its own statement)
    before = [(body.index(s), b) for s, b in zip(statements, bindings) if s is not None and body.index(s) < position]
    after = [s for s in statements if s is not None and body.index(s) >= position]
    if after and _in_a_loop(tree, block):
        return None  # a later assignment comes round again on the next pass
    return max(before, key=lambda found: found[0])[1] if before else None


def _assignment_statement(tree: SourceTree, binding: Binding) -> cst.SimpleStatementLine | None:
    """The statement line of a plain `name = ...` / `name: T = ...` binding."""
    if binding.kind not in ("assign", "annassign"):
        return None
    small = tree.enclosing(binding.node, (cst.Assign, cst.AnnAssign))
    line = tree.parent(small) if small is not None else None
    return line if isinstance(line, cst.SimpleStatementLine) else None


def _statement_in(tree: SourceTree, node: cst.CSTNode, block: cst.CSTNode) -> cst.CSTNode | None:
    """The statement of `block` that holds `node`, unless a new scope lies between them (its
    code runs when it is called, not where it stands)."""
    child = node
    for ancestor in tree.ancestors(node):
        if ancestor is block:
            return child
        if isinstance(ancestor, _NEW_SCOPES):
            return None
        child = ancestor
    return None


def _in_a_loop(tree: SourceTree, block: cst.CSTNode) -> bool:
    for ancestor in tree.ancestors(block):
        if isinstance(ancestor, _LOOPS):
            return True
        if isinstance(ancestor, _NEW_SCOPES):
            return False
    return False
