"""Where a Chat stream's chunks are read (RSP022): the loop that consumes a `stream=True` call,
and the names its body gives to parts of the chunk.

A call's chunks may be looped over straight from the call, through a name assigned the call,
or through `with <call> as name:` (sync or async). Names are not flow-sensitive in the shared
analysis, so a script that reuses `stream` (or `chunk`, `delta`) for several streams is followed
by position: the loop right after an assignment reads that assignment, and a read inside
another loop after that loop's own assignment reads that one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeAlias, TypeGuard

import libcst as cst

from migrator.syntax import (
    Binding,
    SourceTree,
    is_inside,
    is_truth_tested,
    none_comparison,
    read_chain,
    rebound_by_other_loop,
    statement_of,
    subscript_key,
)
from migrator.analysis.calls import CompletionCall
from migrator.analysis.streams.reads import LoopNames, Unmappable, names_in, usage_rename

#: A chunk path as `_part_assignments` follows it: a step of `getattr(part, b"name", None)` is
#: the bytes, which name no field (a read of `ChunkPath`'s steps otherwise).
_PartPath: TypeAlias = "tuple[str | int | bytes, ...]"


def consumer(tree: SourceTree, site: CompletionCall) -> tuple[cst.For, list[cst.CSTNode]] | None:
    """The loop over the call's chunks, and the nodes where the analysis blocked the call for
    uses this rule follows; None when no loop reads the chunks."""
    awaited = tree.parent(site.call)
    expr = awaited if isinstance(awaited, cst.Await) else site.call
    parent = tree.parent(expr)
    if isinstance(parent, cst.For) and parent.iter is expr:
        return parent, [expr]
    if isinstance(parent, cst.WithItem) and parent.item is expr:
        if parent.asname is None or not isinstance(parent.asname.name, cst.Name):
            raise Unmappable(parent, "the stream is used as a context manager without `as <name>`")
        loop = _loop_in_with(tree, parent.asname.name)
        return (loop, [expr]) if loop is not None else None
    target = _assigned_name(parent, expr)
    if target is None:
        return None
    loop = _loop_after(tree, target)
    if loop is None:
        return None
    # Names are not flow-sensitive: the analysis also blocked the call at loops over the same
    # name that another assignment feeds (`stream = ...` reused down a script).
    foreign = _foreign_references(tree, target)
    return loop, [loop.iter, *(r for r in tree.references(_bound_at(tree, target)) if r in foreign)]


def _assigned_name(parent: cst.CSTNode | None, expr: cst.BaseExpression) -> cst.Name | None:
    if isinstance(parent, cst.Assign) and parent.value is expr and len(parent.targets) == 1:
        target = parent.targets[0].target
        return target if isinstance(target, cst.Name) else None
    if isinstance(parent, cst.AnnAssign) and parent.value is expr and isinstance(parent.target, cst.Name):
        return parent.target
    return None


def _bound_at(tree: SourceTree, name: cst.Name) -> Binding:
    """The binding `name` makes, for a name in a binding position (an assignment's target, a loop
    variable, `with ... as name`): the scope walk records one for each."""
    binding = tree.binding_at(name)
    assert binding is not None
    return binding


def _loop_after(tree: SourceTree, target: cst.Name) -> cst.For | None:
    """The `for ... in <target>:` loop that follows the assignment in the same block with nothing
    in between touching the name: only this assignment can feed it."""
    statement = statement_of(tree, target)
    block = tree.parent(statement) if statement is not None else None
    siblings = list(getattr(block, "body", ()))
    if statement not in siblings:
        return None
    for later in siblings[siblings.index(statement) + 1 :]:
        if isinstance(later, cst.For) and isinstance(later.iter, cst.Name) and later.iter.value == target.value:
            return later
        if any(name.value == target.value for name in names_in(later)):
            return None
    return None


def _loop_in_with(tree: SourceTree, name: cst.Name) -> cst.For | None:
    """The one loop over `name` in the body of `with <call> as name:`; every other use of the
    stream there must be `.close()` (the analysis does not follow `with ... as name`)."""
    statement = tree.enclosing(name, (cst.With,))
    assert isinstance(statement, cst.With)  # (`name` is its `as` name)
    binding = _bound_at(tree, name)
    inside = [r for r in tree.references(binding) if is_inside(tree, r, statement.body)]
    outside = [r for r in tree.references(binding) if r not in inside and r not in _foreign_references(tree, name)]
    if any(b.node is not name and is_inside(tree, b.node, statement.body) for b in tree.bindings_in_scope_of(binding)):
        raise Unmappable(name, f"`{name.value}` is assigned again inside the `with` block")
    loops = [r for r in inside if isinstance(parent := tree.parent(r), cst.For) and parent.iter is r]
    for reference in [r for r in inside if r not in loops] + outside:
        if read_chain(tree, reference)[1] != ("close", "()") or reference in outside:
            raise Unmappable(reference, f"`{_line(tree, reference)}` uses the stream; migrate this call by hand")
    if len(loops) > 1:
        raise Unmappable(loops[1], f"`{name.value}` is looped over twice")
    if not loops:
        return None
    loop = tree.parent(loops[0])
    assert isinstance(loop, cst.For)  # (found so above)
    return loop


def _foreign_references(tree: SourceTree, name: cst.Name) -> set[cst.BaseExpression]:
    """References of `name` that other bindings of it provably feed: the loop right after another
    assignment (its iterable), and anything inside another `with ... as <name>:` block."""
    binding = _bound_at(tree, name)
    foreign: set[cst.BaseExpression] = set()
    for other in tree.bindings_in_scope_of(binding):
        if other is binding:
            continue
        # (`Binding.node` is the Name bound, for every kind of binding)
        assert isinstance(other.node, cst.Name)
        if other.kind in ("assign", "annassign"):
            loop = _loop_after(tree, other.node)
            if loop is not None:
                foreign.add(loop.iter)
        elif other.kind == "with":
            statement = tree.enclosing(other.node, (cst.With,))
            assert isinstance(statement, cst.With)  # (the name is its `as` name)
            foreign.update(r for r in tree.references(other) if is_inside(tree, r, statement.body))
    return foreign


def _line(tree: SourceTree, node: cst.CSTNode) -> str:
    text = " ".join(tree.code(statement_of(tree, node) or node).split())
    return text if len(text) <= 60 else text[:59] + "…"


def loop_names(tree: SourceTree, loop: cst.For) -> tuple[LoopNames, list[tuple[cst.Attribute, str]]]:
    if not isinstance(loop.target, cst.Name):
        raise Unmappable(loop.target, "the loop unpacks the chunks; migrate this loop by hand")
    loop_var = loop.target.value
    binding = _bound_at(tree, loop.target)
    for reference in tree.references(binding):
        if not is_inside(tree, reference, loop.body) and not rebound_by_other_loop(tree, reference):
            raise Unmappable(reference, f"`{loop_var}` is read after the loop; migrate this loop by hand")
    aliases: set[str] = set()
    holders: set[str] = set()
    renames: list[tuple[cst.Attribute, str]] = []
    for assign, name, path in _part_assignments(tree, loop.body, loop_var):
        outside = [
            r
            for r in tree.references(_bound_at(tree, name))
            if not is_inside(tree, r, loop.body) and not _set_earlier_in_its_loop(tree, r)
        ]
        others = [
            b
            for b in tree.bindings_in_scope_of(_bound_at(tree, name))
            if b.node is not name and not _in_other_loop(tree, b.node, loop)
        ]
        all_others = [b for b in tree.bindings_in_scope_of(_bound_at(tree, name)) if b.node is not name]
        if not outside and not others:
            aliases.add(name.value)
        elif path == ("usage",) and all(_is_none_assignment(b) for b in all_others):
            inside = [r for r in tree.references(_bound_at(tree, name)) if is_inside(tree, r, loop.body)]
            if inside:
                raise Unmappable(
                    inside[0], f"`{name.value}` holds the usage and is read inside the loop; migrate by hand"
                )
            holders.add(name.value)
            renames.extend(_holder_renames(tree, outside, name.value))
        else:
            raise Unmappable(assign, f"`{name.value}` holds part of a chunk and is also used elsewhere")
    event = "event" if name_is_free(tree, loop, "event") else loop_var
    return LoopNames(loop_var, aliases, holders, event), renames


def _part_assignments(
    tree: SourceTree, body: cst.BaseSuite, loop_var: str
) -> list[tuple[cst.Assign | cst.NamedExpr, cst.Name, _PartPath]]:
    """`name = <part of the chunk>` statements (and `if name := <part>:` tests) of the body,
    outside nested compound statements other than `if`, with the name and the chunk path each
    assigns."""
    found: list[tuple[cst.Assign | cst.NamedExpr, cst.Name, _PartPath]] = []
    parts: dict[str, _PartPath] = {loop_var: ()}

    def path_of(node: cst.BaseExpression) -> _PartPath | None:
        if isinstance(node, cst.Name):
            return parts.get(node.value)
        if _is_getattr_with_default(node):  # `getattr(delta, "reasoning_content", None)`
            base = path_of(node.args[0].value)
            attribute = node.args[1].value
            assert isinstance(attribute, cst.SimpleString)  # (`_is_getattr_with_default` made sure of it)
            return base + (attribute.evaluated_value,) if base is not None else None
        if isinstance(node, (cst.Attribute, cst.Subscript)):
            base = path_of(node.value)
            if base is None:
                return None
            return base + ((node.attr.value,) if isinstance(node, cst.Attribute) else (subscript_key(node),))
        return None

    def walk(statements: Iterable[cst.BaseStatement | cst.SimpleStatementSuite]) -> None:
        for statement in statements:
            if isinstance(statement, cst.If):
                for named in _named_expressions(statement.test):  # `if text := chunk...:`
                    path = path_of(named.value)
                    if isinstance(named.target, cst.Name) and path is not None:
                        parts[named.target.value] = path
                        found.append((named, named.target, path))
                walk(_body(statement.body))
                walk(
                    _body(statement.orelse.body)
                    if isinstance(statement.orelse, cst.Else)
                    else [statement.orelse] if statement.orelse else []
                )
            elif isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                for small in statement.body:
                    if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
                        continue
                    target = small.targets[0].target
                    if isinstance(target, cst.Name):
                        path = path_of(small.value)
                        if path is not None:
                            parts[target.value] = path
                            found.append((small, target, path))

    walk(_body(body))
    return found


def _named_expressions(test: cst.BaseExpression) -> list[cst.NamedExpr]:
    found = []

    class _Named(cst.CSTVisitor):
        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            found.append(node)

    test.visit(_Named())
    return found


def _is_getattr_with_default(node: cst.CSTNode) -> TypeGuard[cst.Call]:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "getattr"
        and len(node.args) == 3
        and isinstance(node.args[1].value, cst.SimpleString)
    )


def _body(suite: cst.BaseSuite) -> list[cst.BaseStatement | cst.SimpleStatementSuite]:
    if isinstance(suite, cst.SimpleStatementSuite):
        return [suite]
    assert isinstance(suite, cst.IndentedBlock)  # (the other kind of suite)
    return list(suite.body)


def _is_none_assignment(binding: Binding) -> bool:
    return binding.kind == "assign" and isinstance(binding.value, cst.Name) and binding.value.value == "None"


def _holder_renames(tree: SourceTree, references: list[cst.Name], name: str) -> list[tuple[cst.Attribute, str]]:
    """The renames that reads of a usage held in `name` after the loop need."""
    renames: list[tuple[cst.Attribute, str]] = []
    for reference in references:
        chain, path = read_chain(tree, reference)
        renamed = usage_rename(path[:1]) or usage_rename(path[:2])
        if renamed is not None:
            read = chain[1]
            assert isinstance(read, cst.Attribute)  # (a usage field's name starts the path)
            renames.append((read, renamed[0]))
        elif not path and (is_truth_tested(tree, reference) or none_comparison(tree, reference) is not None):
            continue
        else:
            raise Unmappable(
                reference, f"`{tree.code(chain[-1])[:60]}` reads the usage in a way migrator cannot rename"
            )
    return renames


def _set_earlier_in_its_loop(tree: SourceTree, reference: cst.Name) -> bool:
    """True when an enclosing loop's body assigns the name before the statement that reads it
    (another loop with its own `delta = chunk.choices[0].delta`)."""
    for loop in (a for a in tree.ancestors(reference) if isinstance(a, cst.For)):
        statements = _body(loop.body)
        reading = next((s for s in statements if is_inside(tree, reference, s)), None)
        for statement in statements[: statements.index(reading)] if reading is not None else ():
            if isinstance(statement, cst.SimpleStatementLine) and any(
                isinstance(small, cst.Assign)
                and any(isinstance(t.target, cst.Name) and t.target.value == reference.value for t in small.targets)
                for small in statement.body
            ):
                return True
    return False


def _in_other_loop(tree: SourceTree, node: cst.CSTNode, loop: cst.For) -> bool:
    return any(isinstance(a, cst.For) and a is not loop and not is_inside(tree, loop, a) for a in tree.ancestors(node))


def name_is_free(tree: SourceTree, loop: cst.For, name: str) -> bool:
    """True when no variable of the function (or module) around the loop is called `name`."""
    scope = tree.enclosing(loop, (cst.FunctionDef, cst.Lambda)) or tree.module
    for node in tree.names_valued(name):  # (the Names in `scope`, from the tree's index)
        if scope is not tree.module and not is_inside(tree, node, scope):
            continue
        parent = tree.parent(node)
        is_attribute = isinstance(parent, cst.Attribute) and parent.attr is node
        is_keyword = isinstance(parent, cst.Arg) and parent.keyword is node
        if node.value == name and not is_attribute and not is_keyword:
            return False
    return True
