"""`create(**params)` where `params` is a dict literal built right before the call.

Such a call is the same as one with the dict's entries as keyword arguments, as long as the
dict is used for nothing else: bound once to a literal with string keys, then only given more
keys with `params["key"] = value` lines, all in the block of the call and right before it
(nothing else runs in between, so every value is still computed in the same order), and read
only by this `**params`. `unpacked_dict` proves that, or says why not; the analysis then shows
the rules the entries as keyword arguments and RSP020 writes them into the call.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from migrator.syntax import Binding, SourceTree


@dataclass(eq=False)
class UnpackedDict:
    #: The `**params` argument.
    arg: cst.Arg
    binding: Binding
    #: The lines that build the dict: `params = {...}`, then each `params["key"] = value`.
    statements: list[cst.SimpleStatementLine]
    #: (key, value, where it is written) in the order the values are computed.
    entries: list[tuple[str, cst.BaseExpression, cst.CSTNode]]

    @property
    def literal(self) -> cst.Dict:
        literal = self.binding.value
        assert isinstance(literal, cst.Dict)  # (`unpacked_dict` made sure of it)
        return literal


def unpacked_dict(tree: SourceTree, call: cst.Call) -> UnpackedDict | str | None:
    """None when `call` unpacks nothing; a reason when its `**` argument cannot be expanded."""
    stars = [arg for arg in call.args if arg.star]
    if not stars:
        return None
    arg = stars[0]
    if len(stars) != 1 or arg.star != "**" or not isinstance(arg.value, cst.Name):
        return "only a single `**name` argument can be expanded"
    name = arg.value.value
    bindings = tree.bindings_of(arg.value)
    binding = bindings[0] if len(bindings) == 1 else None
    if binding is None or binding.kind not in ("assign", "annassign") or not isinstance(binding.value, cst.Dict):
        return f"`{name}` is not a dict literal assigned once"
    entries = _literal_entries(binding.value)
    if entries is None:
        return f"`{name}` has keys that are not string literals"
    definition = _own_line(tree, binding.node)
    call_line = _own_line(tree, call, whole=False)
    if definition is None or call_line is None or tree.parent(definition) is not tree.parent(call_line):
        return f"`{name}` is not built in the block of the call"
    block = tree.parent(definition)
    assert isinstance(block, (cst.IndentedBlock, cst.Module))  # (`_own_line` made sure of it)
    body = list(block.body)
    start, end = body.index(definition), body.index(call_line)
    if start > end:
        return f"`{name}` is built after the call"
    updates = []
    for line in body[start + 1 : end]:
        if not isinstance(line, cst.SimpleStatementLine) or (update := _key_update(line, name)) is None:
            return f"`{tree.quote(line)}` runs between building `{name}` and the call"
        updates.append((line, update))
    entries += [(key, value, target) for _, (key, value, target) in updates]
    allowed = {id(arg.value)} | {id(target.value) for _, (_, _, target) in updates}
    for reference in tree.references(binding):
        if id(reference) not in allowed:
            return f"`{name}` is also used in `{tree.quote(_context(tree, reference))}`"
    keys = [key for key, _, _ in entries] + [a.keyword.value for a in call.args if a.keyword is not None]
    if len(set(keys)) != len(keys):
        return f"a key of `{name}` is given more than once"
    if _calls_in(entries) and _calls_before(call, arg):
        return f"expanding `{name}` would change the order in which its values and the arguments before it run"
    return UnpackedDict(arg, binding, [definition] + [line for line, _ in updates], entries)


def virtual_arguments(unpacked: UnpackedDict) -> list[tuple[cst.Arg, cst.CSTNode]]:
    """The keyword arguments `**params` stands for, each with the node where it is written."""
    equal = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
    return [(cst.Arg(value=value, keyword=cst.Name(key), equal=equal), where) for key, value, where in unpacked.entries]


def _literal_entries(literal: cst.Dict) -> list[tuple[str, cst.BaseExpression, cst.CSTNode]] | None:
    entries: list[tuple[str, cst.BaseExpression, cst.CSTNode]] = []
    for element in literal.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
            return None
        key = element.key.evaluated_value
        if not isinstance(key, str) or not key.isidentifier():
            return None
        entries.append((key, element.value, element))
    return entries


def _own_line(tree: SourceTree, node: cst.CSTNode, *, whole: bool = True) -> cst.SimpleStatementLine | None:
    """The line holding `node` as its only statement (for a binding: `name = ...` / `name: T = ...`)."""
    line = next((a for a in tree.ancestors(node) if isinstance(a, cst.SimpleStatementLine)), None)
    if line is None or len(line.body) != 1 or not isinstance(tree.parent(line), (cst.IndentedBlock, cst.Module)):
        return None
    statement = line.body[0]
    if whole and not (
        (isinstance(statement, cst.Assign) and len(statement.targets) == 1 and statement.targets[0].target is node)
        or (isinstance(statement, cst.AnnAssign) and statement.target is node)
    ):
        return None
    return line


def _key_update(line: cst.CSTNode, name: str) -> tuple[str, cst.BaseExpression, cst.Subscript] | None:
    """(key, value, target) for a `name["key"] = value` line, else None."""
    if not (isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 and isinstance(line.body[0], cst.Assign)):
        return None
    assign = line.body[0]
    if len(assign.targets) != 1:
        return None
    target = assign.targets[0].target
    if not (
        isinstance(target, cst.Subscript)
        and isinstance(target.value, cst.Name)
        and target.value.value == name
        and len(target.slice) == 1
        and isinstance(target.slice[0].slice, cst.Index)
        and isinstance(target.slice[0].slice.value, cst.SimpleString)
    ):
        return None
    key = target.slice[0].slice.value.evaluated_value
    return (key, assign.value, target) if isinstance(key, str) and key.isidentifier() else None


def _context(tree: SourceTree, reference: cst.Name) -> cst.CSTNode:
    """What to quote for a read of the dict: the call or statement it is part of."""
    for ancestor in tree.ancestors(reference):
        if isinstance(ancestor, (cst.Call, cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return ancestor
    return reference


def _calls_in(entries: list[tuple[str, cst.BaseExpression, cst.CSTNode]]) -> bool:
    return any(_has_call(value) for _, value, _ in entries)


def _calls_before(call: cst.Call, star: cst.Arg) -> bool:
    """Whether anything computed before `**star` in the call may run code (the client included)."""
    before = call.args[: [id(a) for a in call.args].index(id(star))]
    return _has_call(call.func) or any(_has_call(arg.value) for arg in before)


def _has_call(node: cst.CSTNode) -> bool:
    found = []

    class _Finder(cst.CSTVisitor):
        def visit_Call(self, _: cst.Call) -> bool:
            found.append(True)
            return False

        def visit_Await(self, _: cst.Await) -> bool:
            found.append(True)
            return False

    node.visit(_Finder())
    return bool(found)


def reading_call(tree: SourceTree, reference: cst.CSTNode) -> cst.Call | None:
    """The call whose expanded `**params` passes `reference` on (as the value of one of its keys)."""
    parent = tree.parent(reference)
    if isinstance(parent, cst.DictElement) and parent.value is reference:
        literal = tree.parent(parent)
    elif isinstance(parent, cst.Assign) and parent.value is reference and len(parent.targets) == 1:
        target = parent.targets[0].target
        literal = None if not isinstance(target, cst.Subscript) else target.value
    else:
        return None
    holder = _holder_name(tree, literal)
    if holder is None:
        return None
    for use in tree.references(holder):
        arg = tree.parent(use)
        call = tree.parent(arg) if arg is not None else None
        if isinstance(arg, cst.Arg) and arg.star == "**" and isinstance(call, cst.Call):
            unpacked = unpacked_dict(tree, call)
            if isinstance(unpacked, UnpackedDict) and any(value is reference for _, value, _ in unpacked.entries):
                return call
    return None


def _holder_name(tree: SourceTree, node: cst.CSTNode | None) -> Binding | None:
    """The binding `params` for the dict literal `params = {...}` or the name `params` itself."""
    if isinstance(node, cst.Name):
        bindings = tree.bindings_of(node)
        return bindings[0] if len(bindings) == 1 else None
    assign = tree.parent(node) if node is not None else None
    if isinstance(assign, cst.Assign) and assign.value is node and len(assign.targets) == 1:
        return tree.binding_at(assign.targets[0].target)
    if isinstance(assign, cst.AnnAssign) and assign.value is node:
        return tree.binding_at(assign.target)
    return None
