"""One cheap pass over a LibCST module that every rule shares.

LibCST's metadata providers are exact but costly: scope analysis alone takes about three
times as long as parsing. The rules need much less: each node's parent, the nodes of a few
types, where each name is bound, and the positions of the handful of nodes they report.
`SourceTree` collects the first three in a single visit, computes positions only for the
nodes asked about, and rebuilds only the branches of the tree that an edit touches.

Name resolution follows Python's rules (function scopes, class bodies skipped by nested
functions, `global` / `nonlocal`), but it is not flow sensitive: every binding of a name in
a scope counts. That errs on the side of refusing a rewrite, never of making a wrong one.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import TypeAlias, TypeVar, cast

import libcst as cst

from migrator.syntax.codegen import RenderedLine, SplicedBlock, code_for_node, index_module, splice
from migrator.syntax.nodes import all_field_names, keep_parentheses
from migrator.syntax.scopes import Binding, Collector, Scope, enclosing_function_scope

#: What an edit gives: the node that replaces the one edited, or LibCST's sentinels to remove it
#: or to put several nodes in its place.
Replacement: TypeAlias = "cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]"
#: An edit: called with the node as rebuilt so far (of the type the edit was asked for), it gives
#: what replaces it.
Edit = Callable[..., Replacement]
_Node = TypeVar("_Node", bound=cst.CSTNode)


class SourceTree:
    """A parsed module with parents, a node index, bindings, positions and edits."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        collector = Collector()
        collector.walk(module)
        #: Each node's parent, by the node's id (the module keeps every node alive; LibCST's
        #: nodes hash by identity, but through a Python-level `__hash__`).
        self.parents: dict[int, cst.CSTNode] = collector.parents
        self._by_type = collector.by_type
        self._scope_of = collector.scope_of
        self.scopes = collector.scopes
        self._scope_by_node = {scope.node: scope for scope in self.scopes}
        self._loads_by_name = collector.loads_by_name
        self._names_by_value = collector.names_by_value
        self._binding_of_node = collector.binding_of_node
        #: Filled on the first question about code or positions: one code generation of the
        #: module notes where each node starts (see `_index_code`).
        self._code: str | None = None
        self._tokens: list[str] = []
        self._starts: dict[int, int] = {}
        self._offsets: list[int] = []
        self._line_ends: list[int] = []
        #: Each statement's tokens (first, end) and the indentation they were generated at, by id.
        self._spans: dict[int, tuple[int, int, tuple[str, ...]]] = {}
        #: Statement lines whose code is known already (see `rendered`), by id.
        self._rendered: dict[int, tuple[list[str], list[str], cst.SimpleStatementLine]] = {}
        self._lines: list[str] | None = None
        self._edits: dict[cst.CSTNode, list[Edit]] = defaultdict(list)
        #: Nodes made up by the analysis (not in the module) and the real node to report them at.
        self._aliases: dict[cst.CSTNode, cst.CSTNode] = {}

    # -- structure -------------------------------------------------------------------

    def nodes(self, node_type: type[_Node]) -> list[_Node]:
        """Every node of `node_type` (one of the types the walk indexes), in source order."""
        if node_type not in Collector._INDEXED:
            raise ValueError(f"{node_type.__name__} nodes are not indexed")  # (not: silently none)
        # (the collector files each node under its own type: `Collector.on_visit`)
        return cast("list[_Node]", self._by_type.get(node_type, []))

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(id(node))

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        parents = self.parents
        parent = parents.get(id(node))
        while parent is not None:
            yield parent
            parent = parents.get(id(parent))

    def enclosing(self, node: cst.CSTNode, types: tuple[type, ...]) -> cst.CSTNode | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, types):
                return ancestor
        return None

    def code(self, node: cst.CSTNode) -> str:
        return code_for_node(node, self.module)

    def quote(self, node: cst.CSTNode, limit: int = 50) -> str:
        """`node`'s code on one line, cut at `limit` characters: for quoting in a finding."""
        text = " ".join(self.code(node).split())
        return text if len(text) <= limit else text[: limit - 1] + "…"

    # -- names -----------------------------------------------------------------------

    def names_valued(self, value: str) -> list[cst.Name]:
        """Every Name node of the module whose value is `value` (loads, bindings, attribute
        and keyword names alike), in source order."""
        return self._names_by_value.get(value, [])

    def scope_of(self, node: cst.CSTNode) -> Scope:
        return self._scope_of[node]

    def bindings_of(self, name: cst.Name) -> list[Binding]:
        """Every binding the load `name` may refer to; empty for builtins and unknowns."""
        scope = self._scope_of.get(name)
        if scope is None:
            return []
        return self.lookup(name.value, scope)

    def lookup(self, name: str, scope: Scope) -> list[Binding]:
        current: Scope | None = scope
        while current is not None:
            if name in current.globals:
                return self.scopes[0].bindings.get(name, [])
            if name in current.nonlocals:
                current = enclosing_function_scope(current)
                continue
            # A class body is visible only to code written directly in it.
            if (current is scope or not current.is_class) and name in current.bindings:
                return current.bindings[name]
            current = current.parent
        return []

    def scope_of_node(self, scope_node: cst.CSTNode) -> Scope:
        return self._scope_by_node[scope_node]

    def bindings_in_scope_of(self, binding: Binding) -> list[Binding]:
        """Every binding of the same name in the same scope (itself included)."""
        return self._scope_by_node[binding.scope].bindings.get(binding.name, [])

    def binding_at(self, node: cst.CSTNode) -> Binding | None:
        """The binding created at `node` (a Name in a binding position), if any."""
        return self._binding_of_node.get(node)

    def references(self, binding: Binding) -> list[cst.Name]:
        """Loads of the name that may read this binding."""
        return [
            load
            for load in self._loads_by_name.get(binding.name, ())
            if any(b is binding for b in self.bindings_of(load))
        ]

    def qualified_name(self, expr: cst.BaseExpression) -> str | None:
        """`openai.OpenAI` for `OpenAI`, `O` or `openai.OpenAI` when imported so; else None."""
        if isinstance(expr, cst.Attribute):
            base = self.qualified_name(expr.value)
            return f"{base}.{expr.attr.value}" if base else None
        if isinstance(expr, cst.Name):
            bindings = self.bindings_of(expr)
            # The same import twice (`from openai import OpenAI`, later `from openai import
            # OpenAI, BadRequestError`) still names one thing.
            if bindings and all(b.kind == "import" and b.qualified == bindings[0].qualified for b in bindings):
                return bindings[0].qualified
        return None

    def imports_module(self, module_name: str) -> bool:
        prefix = module_name + "."
        return any(
            b.qualified == module_name or (b.qualified or "").startswith(prefix)
            for scope in self.scopes
            for bindings in scope.bindings.values()
            for b in bindings
            if b.kind == "import"
        )

    # -- positions -------------------------------------------------------------------

    def alias(self, made_up: cst.CSTNode, real: cst.CSTNode) -> None:
        """Report positions of `made_up` (a node not in the module) at `real`."""
        self._aliases[made_up] = real

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        """(line, column), both 1-based, of the first character of `node`."""
        if self._code is None:
            self._index_code()
        offset = self._offsets[self._starts[id(self._aliases.get(node, node))]]
        # Lines end at "\n" only (a lone "\r" does not start a line).
        line = bisect.bisect_right(self._line_ends, offset)
        return line + 1, offset - (self._line_ends[line - 1] if line else 0) + 1

    def line(self, number: int) -> str:
        """The text of line `number` (1-based) of the unedited module, without its line break."""
        if self._lines is None:
            # Lines as the positions count them: a line ends at "\n" only.
            self._lines = [line.removesuffix("\r") for line in self.unedited_code.split("\n")]
        return self._lines[number - 1]

    def indentation(self, statement: cst.BaseStatement) -> list[str]:
        """The indentation tokens a statement of the module as parsed is printed with (one per
        enclosing block, and per enclosing `match`), as the positions pass generated it."""
        if self._code is None:
            self._index_code()
        return list(self._spans[id(statement)][2])

    def statement_code(self, statement: cst.SimpleStatementLine) -> str:
        """The code of a statement line of the module as parsed, from its first token (after the
        lines above it and its indentation) through its line break (which the code of a module
        without a trailing newline lacks), from the positions pass."""
        code = self.unedited_code
        start = self._offsets[self._starts[id(statement)]]
        end = self._starts[id(statement.trailing_whitespace.newline)] + 1
        return code[start : self._offsets[min(end, len(self._offsets) - 1)]]

    @property
    def unedited_code(self) -> str:
        """The code of the module as parsed (LibCST's round trip of the file)."""
        if self._code is None:
            self._index_code()
        assert self._code is not None
        return self._code

    def _index_code(self) -> None:
        """One code generation of the module that notes the token where each node starts, and
        the tokens of every statement (at any depth) with the indentation it was printed at,
        which the code of the edited module reuses for every statement no edit touched.

        Positions are asked about a few nodes at a time, at several moments of a run; one pass
        that notes them all costs little more than one that notes a few."""
        self._tokens, tokens, self._starts, self._spans = index_module(self.module)
        self._offsets = [0, *itertools.accumulate(map(len, tokens))]
        self._code = code = "".join(tokens)
        self._line_ends = [match.end() for match in _NEWLINE.finditer(code)]

    # -- edits -----------------------------------------------------------------------

    def edit(self, node: cst.CSTNode, change: Edit) -> None:
        """Ask for `change(updated_node)` to replace `node`; edits on one node chain in order."""
        self._edits[node].append(change)

    @property
    def has_edits(self) -> bool:
        return bool(self._edits)

    def rendered(
        self, statement: cst.SimpleStatementLine, indent: list[str], tokens: list[str]
    ) -> cst.SimpleStatementLine:
        """`statement` as a node whose code at the indentation `indent` (without the lines
        above it) is known to be `tokens`: `edited_code` reuses them where the node is printed
        at that indentation, instead of generating them again."""
        node = RenderedLine(**{name: getattr(statement, name) for name in all_field_names(type(statement))})
        self._rendered[id(node)] = (list(indent), tokens, node)
        return node

    def edited_code(self) -> str:
        """The code of `edited_module()`: statements no edit touched keep the tokens generated
        for them before, the others are generated again."""
        if not self._edits:
            return self.unedited_code
        edited = self.edited_module()
        module = self.module
        if self._code is None:
            self._index_code()
        if (edited.default_indent, edited.default_newline) != (module.default_indent, module.default_newline):
            return edited.code
        return splice(edited, self._rendered, self._spans, self._tokens)

    def edited_module(self) -> cst.Module:
        """The module with every edit applied; only the edited branches are rebuilt."""
        if not self._edits:
            return self.module
        dirty: set[int] = set()  # ids of the edited nodes and their ancestors
        rebuilt_statements = []
        for node in self._edits:
            for changed in (node, *self.ancestors(node)):
                if id(changed) not in dirty:
                    dirty.add(id(changed))
                    if isinstance(changed, cst.BaseCompoundStatement):
                        rebuilt_statements.append(changed)
        # The blocks of a rebuilt compound statement are rebuilt too, even where no edit is in
        # them: as `SplicedBlock`s, their statements reuse their code (see `edited_code`).
        for statement in rebuilt_statements:
            dirty.update(map(id, _clauses_and_blocks(statement)))
        result = self._rebuild(self.module, dirty)
        assert isinstance(result, cst.Module)
        return result

    def _rebuild(self, node: cst.CSTNode, dirty: set[int], quotes: frozenset[str] = frozenset()) -> Replacement:
        """`quotes`: the quote characters of the one-line f-strings `node` is inside, which no
        string in their replacement fields may use before Python 3.12."""
        if isinstance(node, cst.FormattedString) and node.quote in ('"', "'"):
            quotes |= {node.quote}
        changes: dict[str, object] = {}
        for name in all_field_names(type(node)):
            value = getattr(node, name)
            if id(value) in dirty:  # (only nodes are: live objects have distinct ids)
                new = self._rebuild(value, dirty, quotes)
                if isinstance(new, (cst.RemovalSentinel, cst.FlattenSentinel)):
                    raise ValueError(f"cannot remove or flatten the {name} of {type(node).__name__}")
                changes[name] = new
            elif isinstance(value, (list, tuple)) and any(id(v) in dirty for v in value):
                changes[name] = self._rebuild_sequence(value, dirty, quotes)
        updated = node.with_changes(**changes) if changes else node
        for change in self._edits.get(node, ()):
            changed = change(updated)
            if isinstance(changed, (cst.RemovalSentinel, cst.FlattenSentinel)):
                return changed
            updated = changed
        if quotes and node in self._edits:
            requoted = updated.visit(_Requote(quotes))  # strings a rule wrote: `"assistant"`
            assert isinstance(requoted, cst.CSTNode)  # (it changes strings, never removes a node)
            updated = requoted
        if type(updated) is cst.IndentedBlock:
            # (after the edits of the block itself: rules see LibCST's own node type)
            return SplicedBlock(**{name: getattr(updated, name) for name in all_field_names(cst.IndentedBlock)})
        return keep_parentheses(node, updated)

    def _rebuild_sequence(
        self, items: list[cst.CSTNode] | tuple[cst.CSTNode, ...], dirty: set[int], quotes: frozenset[str]
    ) -> list[cst.CSTNode] | tuple[cst.CSTNode, ...]:
        rebuilt: list[cst.CSTNode] = []
        for item in items:
            new = self._rebuild(item, dirty, quotes) if id(item) in dirty else item
            if isinstance(new, cst.FlattenSentinel):
                rebuilt.extend(new.nodes)
            elif not isinstance(new, cst.RemovalSentinel):
                rebuilt.append(new)
        return type(items)(rebuilt) if isinstance(items, tuple) else rebuilt


class _Requote(cst.CSTTransformer):
    """Strings written in the other quote where theirs would close an enclosing f-string."""

    def __init__(self, quotes: frozenset[str]) -> None:
        super().__init__()
        self.quotes = quotes

    def leave_SimpleString(self, original_node: cst.SimpleString, updated_node: cst.SimpleString) -> cst.SimpleString:
        prefix, quote = updated_node.prefix, updated_node.quote
        if quote not in self.quotes:
            return updated_node
        other = next((q for q in ('"', "'") if q not in self.quotes), None)
        body = updated_node.value[len(prefix) + len(quote) : -len(quote)]
        if other is None or len(quote) != 1 or other in body or "\\" in body:
            return updated_node  # left as it is: the check of the new code reports the file
        return updated_node.with_changes(value=f"{prefix}{other}{body}{other}")


def _clauses_and_blocks(statement: cst.BaseCompoundStatement) -> Iterator[cst.CSTNode]:
    """The indented blocks of a compound statement and the clauses that hold them (`else`,
    `elif`, `except`, `finally`, `case`), down to the blocks; not the statements inside them."""
    for clause in (
        statement,
        getattr(statement, "orelse", None),
        *getattr(statement, "handlers", ()),
        *getattr(statement, "cases", ()),
        getattr(statement, "finalbody", None),
    ):
        if clause is None:
            continue
        if clause is not statement:
            if isinstance(clause, cst.If):  # an `elif`
                yield clause
                yield from _clauses_and_blocks(clause)
                continue
            yield clause
        body = getattr(clause, "body", None)  # (a `match` has only its cases)
        if isinstance(body, cst.IndentedBlock):
            yield body


_NEWLINE = re.compile("\n")
