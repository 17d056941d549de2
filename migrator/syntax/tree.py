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
import dataclasses
import itertools
import re
import typing
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import libcst as cst
from libcst._nodes.internal import CodegenState

_SCOPE_TYPES = (
    cst.Module,
    cst.FunctionDef,
    cst.Lambda,
    cst.ClassDef,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
)

_SCOPE_TYPE_SET = frozenset(_SCOPE_TYPES)

Edit = Callable[[cst.CSTNode], "cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel"]


@dataclass(eq=False)
class Binding:
    """A place where a name gets a value."""

    name: str
    scope: cst.CSTNode
    node: cst.CSTNode  # the Name (or import alias) that is bound
    kind: str  # assign, annassign, augassign, import, param, def, class, for, with, walrus, other
    value: cst.BaseExpression | None = None  # the assigned expression, when there is one
    qualified: str | None = None  # for imports: the dotted name imported

    @property
    def is_class_attribute(self) -> bool:
        """Bound in a class body: read as `self.<name>` and `<Class>.<name>` too, which no name
        lookup sees."""
        return isinstance(self.scope, cst.ClassDef)


@dataclass(eq=False)
class Scope:
    node: cst.CSTNode
    parent: Scope | None
    bindings: dict[str, list[Binding]] = dataclasses.field(default_factory=lambda: defaultdict(list))
    globals: set[str] = dataclasses.field(default_factory=set)
    nonlocals: set[str] = dataclasses.field(default_factory=set)

    @property
    def is_class(self) -> bool:
        return isinstance(self.node, cst.ClassDef)


class SourceTree:
    """A parsed module with parents, a node index, bindings, positions and edits."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        collector = _Collector()
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

    def nodes(self, node_type: type[cst.CSTNode]) -> list:
        """Every node of `node_type` (one of the types the walk indexes), in source order."""
        if node_type not in _Collector._INDEXED:
            raise ValueError(f"{node_type.__name__} nodes are not indexed")  # (not: silently none)
        return self._by_type.get(node_type, [])

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
        start = scope
        while scope is not None:
            if name in scope.globals:
                return self.scopes[0].bindings.get(name, [])
            if name in scope.nonlocals:
                scope = _enclosing_function_scope(scope)
                continue
            # A class body is visible only to code written directly in it.
            if (scope is start or not scope.is_class) and name in scope.bindings:
                return scope.bindings[name]
            scope = scope.parent
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
        if self._code is None:
            self._index_code()
        start = self._offsets[self._starts[id(statement)]]
        end = self._starts[id(statement.trailing_whitespace.newline)] + 1
        return self._code[start : self._offsets[min(end, len(self._offsets) - 1)]]

    @property
    def unedited_code(self) -> str:
        """The code of the module as parsed (LibCST's round trip of the file)."""
        if self._code is None:
            self._index_code()
        return self._code

    def _index_code(self) -> None:
        """One code generation of the module that notes the token where each node starts, and
        the tokens of every statement (at any depth) with the indentation it was printed at,
        which the code of the edited module reuses for every statement no edit touched.

        Positions are asked about a few nodes at a time, at several moments of a run; one pass
        that notes them all costs little more than one that notes a few."""
        module = self.module
        state = _PositionState(default_indent=module.default_indent, default_newline=module.default_newline)
        state.starts, state.spans, state.opened = {}, {}, []
        for node in (*module.header, *module.body, *module.footer):
            node._codegen(state)
        tokens = state.tokens
        # (the spans are of the tokens before `_finish_module`, which may take the last newline off)
        self._tokens = tokens if module.has_trailing_newline else list(tokens)
        _finish_module(module, state)
        state.starts[id(module)] = 0
        self._starts = state.starts
        self._spans = state.spans
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
        node = _RenderedLine(**{name: getattr(statement, name) for name in all_field_names(type(statement))})
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
        state = _SplicingState(default_indent=edited.default_indent, default_newline=edited.default_newline)
        state.rendered, state.spans, state.known_tokens = self._rendered, self._spans, self._tokens
        for node in (*edited.header, *edited.body, *edited.footer):
            state.statement(node)
        _finish_module(edited, state)
        return "".join(state.tokens)

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
        # them: as `_SplicedBlock`s, their statements reuse their code (see `edited_code`).
        for statement in rebuilt_statements:
            dirty.update(map(id, _clauses_and_blocks(statement)))
        result = self._rebuild(self.module, dirty)
        assert isinstance(result, cst.Module)
        return result

    def _rebuild(self, node: cst.CSTNode, dirty: set[int], quotes: frozenset[str] = frozenset()):
        """`quotes`: the quote characters of the one-line f-strings `node` is inside, which no
        string in their replacement fields may use before Python 3.12."""
        if isinstance(node, cst.FormattedString) and node.quote in ('"', "'"):
            quotes |= {node.quote}
        changes = {}
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
            updated = change(updated)
            if isinstance(updated, (cst.RemovalSentinel, cst.FlattenSentinel)):
                break
        if quotes and node in self._edits and isinstance(updated, cst.CSTNode):
            updated = updated.visit(_Requote(quotes))  # strings a rule wrote: `"assistant"`
        if type(updated) is cst.IndentedBlock:
            # (after the edits of the block itself: rules see LibCST's own node type)
            return _SplicedBlock(**{name: getattr(updated, name) for name in all_field_names(cst.IndentedBlock)})
        return keep_parentheses(node, updated)

    def _rebuild_sequence(self, items, dirty, quotes):
        rebuilt = []
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


def keep_parentheses(old: cst.CSTNode, new: cst.CSTNode) -> cst.CSTNode:
    """`new` in the parentheses `old` was written in, if it has none of its own: the code
    around may need them (`return(x)`, `yield(x)`, `not(x)` have no space to spare)."""
    if new is not old and getattr(old, "lpar", None) and isinstance(new, cst.BaseExpression) and not new.lpar:
        return new.with_changes(lpar=old.lpar, rpar=old.rpar)
    return new


def _enclosing_function_scope(scope: Scope) -> Scope | None:
    scope = scope.parent
    while scope is not None and scope.is_class:
        scope = scope.parent
    return scope


class _NoContext:
    """A context manager that does nothing, and costs less than a generator-based one."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info) -> bool:
        return False


_NO_CONTEXT = _NoContext()


class _CodegenState(CodegenState):
    """LibCST's code generation state, without entering a generator-based context manager around
    every expression and statement (CodegenState's `record_syntactic_position` does nothing)."""

    __slots__ = ()

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        return _NO_CONTEXT


class _SplicingState(_CodegenState):
    """The state `edited_code` generates code with: it knows the code of the module's own
    statements (from the positions pass) and of the statement lines layout rendered."""

    __slots__ = ("rendered", "spans", "known_tokens")

    def statement(self, node: cst.CSTNode) -> None:
        """Add `node`'s code: the tokens generated for it before when it is a statement of the
        module as parsed (no edit touched it: the same object) printed at the same indentation."""
        span = self.spans.get(id(node))
        # (ids are safe: the module as parsed stays alive, so no new node can take one of its ids)
        if span is not None and span[2] == tuple(self.indent_tokens):
            self.tokens.extend(self.known_tokens[span[0] : span[1]])
        else:
            node._codegen(self)


class _SplicedBlock(cst.IndentedBlock):
    """An indented block that an edit rebuilt: generated with the tree's `_SplicingState`, each
    of its statements that no edit touched reuses its code; anywhere else it is an ordinary
    block. `_codegen_impl` is LibCST's own `IndentedBlock._codegen_impl` with that one change."""

    __slots__ = ()

    def _codegen_impl(self, state: CodegenState) -> None:
        if type(state) is not _SplicingState:
            super()._codegen_impl(state)
            return
        self.header._codegen(state)
        state.increase_indent(state.default_indent if self.indent is None else self.indent)
        if self.body:
            for statement in self.body:
                state.statement(statement)
        else:  # as LibCST: an empty block gets a `pass`
            state.add_indent_tokens()
            state.add_token("pass")
            state.add_token(state.default_newline)
        for line in self.footer:
            line._codegen(state)
        state.decrease_indent()


class _RenderedLine(cst.SimpleStatementLine):
    """A statement line whose code `SourceTree.rendered` knows: generated with the tree's
    `_SplicingState`, at the indentation it was rendered at, that code is reused. Anywhere else
    (LibCST's own `Module.code`, another indentation) it is an ordinary statement line; a
    changed copy (`with_changes`) has a new id, so no code is known for it."""

    __slots__ = ()

    def _codegen_impl(self, state: CodegenState) -> None:
        known = state.rendered.get(id(self)) if type(state) is _SplicingState else None
        if known is not None and known[2] is self and known[0] == state.indent_tokens:
            for line in self.leading_lines:
                line._codegen(state)
            state.tokens.extend(known[1])
            return
        super()._codegen_impl(state)


def all_field_names(node_type: type) -> tuple[str, ...]:
    names = _ALL_FIELD_NAMES.get(node_type)
    if names is None:
        names = _ALL_FIELD_NAMES[node_type] = tuple(field.name for field in dataclasses.fields(node_type))
    return names


class _PositionState(CodegenState):
    """Code generation that notes, by node id, the token where each node starts (`starts`: where
    its code begins, then where its syntactic start is, after a statement's leading lines or an
    expression's parentheses: the later one wins), and each statement's tokens and indentation
    (`spans`). LibCST adds every token through `add_token` or `add_indent_tokens`, so the length
    of `tokens` is the index of the next one."""

    __slots__ = ("starts", "spans", "opened")

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts[id(node)] = len(self.tokens)
        if type(node) in _STATEMENT_TYPES:
            self.opened.append(len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        if type(node) in _STATEMENT_TYPES:
            self.spans[id(node)] = (self.opened.pop(), len(self.tokens), tuple(self.indent_tokens))

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        self.starts[id(node)] = len(self.tokens)
        return _NO_CONTEXT


_NEWLINE = re.compile("\n")


def code_for_node(node: cst.CSTNode, module: cst.Module, indent: list[str] | None = None) -> str:
    """`module.code_for_node(node)`, at the indentation `indent` (one token per enclosing block)
    when given; faster than LibCST's (see `_CodegenState`)."""
    return "".join(tokens_for_node(node, module, indent))


def tokens_for_node(node: cst.CSTNode, module: cst.Module, indent: list[str] | None = None) -> list[str]:
    """The tokens of `code_for_node`."""
    state = _CodegenState(default_indent=module.default_indent, default_newline=module.default_newline)
    if indent:
        state.indent_tokens = list(indent)
    node._codegen(state)
    return state.tokens


def _finish_module(module: cst.Module, state: CodegenState) -> None:
    """What `Module._codegen_impl` does after the module's header, body and footer."""
    if module.has_trailing_newline:
        if len(state.tokens) == 0:
            state.tokens.append(state.default_newline)
    else:
        state.pop_trailing_newline()


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_ALL_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
#: For `descendants`: each node type asked for, with its subclasses.
_TYPE_SETS: dict[type | tuple, frozenset[type]] = {}
#: Whitespace, comments, operators and punctuation: no rule asks about them, so the
#: collector does not descend into them (a large share of every tree).
_TRIVIA = tuple(
    value
    for value in vars(cst).values()
    if isinstance(value, type)
    and issubclass(value, cst.CSTNode)
    and value.__module__ in ("libcst._nodes.whitespace", "libcst._nodes.op")
)
_TRIVIA_TYPES: set[type] = set()
_NODE_TYPES: set[type] = set()
#: Trivia types and types that are not nodes at all (None, sentinels, strings).
_OTHER_TYPES: set[type] = set()


def descendants(node: cst.CSTNode, node_type: type[cst.CSTNode]) -> list:
    """Every node of `node_type` in `node`'s subtree (itself included), in source order; works
    on nodes that are not (or no longer) in a tree."""
    types = _TYPE_SETS.get(node_type)
    if types is None:
        types = _TYPE_SETS[node_type] = _with_subclasses(*(node_type if isinstance(node_type, tuple) else (node_type,)))
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current) in types:
            found.append(current)
        stack.extend(reversed(_children(current)))
    return found


def _children(node: cst.CSTNode) -> list[cst.CSTNode]:
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


def replace_names(node: cst.CSTNode, values: dict[str, cst.CSTNode]) -> cst.CSTNode:
    """`node` with every Name whose value is a key of `values` replaced by the node given for it
    (which is not looked into), as a LibCST transformer with that `leave_Name` would return it,
    several times faster: only the branches that hold such a Name are rebuilt."""
    if type(node) is cst.Name:
        return values.get(node.value, node)
    names = _FIELD_NAMES.get(type(node))
    if names is None:
        names = _FIELD_NAMES[type(node)] = _content_fields(type(node))
    return with_children(node, names, lambda child: replace_names(child, values))


def with_children(node: cst.CSTNode, names: Iterable[str], change) -> cst.CSTNode:
    """`node` with `change(child)` for each child node in the fields `names`; the node itself
    when no child changed (so untouched branches stay shared)."""
    changes = {}
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
        if issubclass(hint, cst.CSTNode):
            return not issubclass(hint, _TRIVIA)
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


class _Collector:
    """Records parents, nodes by type, scopes and bindings in one walk."""

    _INDEXED = frozenset(
        (
            cst.Call,
            cst.SimpleString,
            cst.FormattedString,
            cst.ClassDef,
            cst.FunctionDef,
            cst.Return,
            cst.Assign,
            cst.Attribute,
        )
    )

    def __init__(self) -> None:
        self.parents: dict[int, cst.CSTNode] = {}
        self.by_type: dict[type, list] = defaultdict(list)
        self.scope_of: dict[cst.CSTNode, Scope] = {}
        self.scopes: list[Scope] = []
        self.loads_by_name: dict[str, list[cst.Name]] = defaultdict(list)
        self.names_by_value: dict[str, list[cst.Name]] = defaultdict(list)
        self.binding_of_node: dict[cst.CSTNode, Binding] = {}
        self._stack: list[cst.CSTNode] = []
        self._scope_stack: list[Scope] = []
        self._import_depth = 0

    # generic walk -------------------------------------------------------------------

    def walk(self, module: cst.Module) -> None:
        # Iterative, so that deeply nested code cannot exhaust Python's recursion limit.
        parents, stack, special, visit, leave = self.parents, self._stack, _SPECIAL, self.on_visit, self.on_leave
        stack.append(module)
        visit(module)
        children = _children(module)
        parents.update(dict.fromkeys(map(id, children), module))
        pending = [iter(children)]
        while pending:
            child = next(pending[-1], None)
            if child is None:
                pending.pop()
                node = stack.pop()
                if type(node) in special:
                    leave(node)
                continue
            stack.append(child)
            if type(child) in special:
                visit(child)
            children = _children(child)
            if children:
                parents.update(dict.fromkeys(map(id, children), child))
                pending.append(iter(children))
            else:
                stack.pop()
                if type(child) in special:
                    leave(child)

    def on_visit(self, node: cst.CSTNode) -> None:
        """A node of a type in `_SPECIAL`, just pushed on the stack."""
        node_type = type(node)
        if node_type in self._INDEXED:
            self.by_type[node_type].append(node)
        if node_type is cst.Name:
            self.names_by_value[node.value].append(node)
            self._visit_name(node)
        elif node_type in _SCOPE_TYPE_SET:
            self._enter_scope(node)
        elif node_type in (cst.Global, cst.Nonlocal):
            target = self._scope_stack[-1].globals if node_type is cst.Global else self._scope_stack[-1].nonlocals
            target.update(item.name.value for item in node.names)
        elif node_type in (cst.Import, cst.ImportFrom):
            self._bind_imports(node)
            self._import_depth += 1

    def on_leave(self, original_node: cst.CSTNode) -> None:
        """A node of a type in `_SPECIAL`, just popped off the stack."""
        if type(original_node) in (cst.Import, cst.ImportFrom):
            self._import_depth -= 1
        if type(original_node) in _SCOPE_TYPE_SET:
            self._scope_stack.pop()

    # scopes and bindings --------------------------------------------------------------

    def _enter_scope(self, node: cst.CSTNode) -> None:
        parent = self._scope_stack[-1] if self._scope_stack else None
        if parent is not None and isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            # The def / class name itself is bound in the enclosing scope.
            self._bind(parent, node.name, "def" if isinstance(node, cst.FunctionDef) else "class")
        scope = Scope(node, parent)
        self.scopes.append(scope)
        self._scope_stack.append(scope)

    def _bind(self, scope: Scope, name: cst.Name, kind: str, value=None, qualified=None) -> None:
        binding = Binding(name.value, scope.node, name, kind, value, qualified)
        scope.bindings[name.value].append(binding)
        self.binding_of_node[name] = binding

    def _visit_name(self, name: cst.Name) -> None:
        scope = self._scope_stack[-1]
        parent = self._stack[-2] if len(self._stack) > 1 else None
        parent_type = type(parent)  # (exact type sets: isinstance on LibCST's ABCs costs more)
        if parent_type in _DEF_TYPES and parent.name is name:
            return  # bound in _enter_scope
        if parent_type in _ATTRIBUTE_TYPES and parent.attr is name:
            return  # an attribute name, not a variable
        if parent_type in _ARG_TYPES and parent.keyword is name:
            return  # a keyword argument name
        if self._import_depth or parent_type in _DECLARATION_TYPES:
            return  # bound by _bind_imports, or declared by on_visit
        kind, value = self._binding_kind(name)
        if kind is None:
            self.scope_of[name] = scope
            self.loads_by_name[name.value].append(name)
            return
        target_scope = scope
        if kind == "walrus":
            # An assignment expression binds in the nearest function (or module) scope.
            while isinstance(target_scope.node, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
                target_scope = target_scope.parent
        self._bind(target_scope, name, kind, value)

    def _binding_kind(self, name: cst.Name) -> tuple[str | None, cst.BaseExpression | None]:
        """Whether this Name is a binding site, and the value it receives if simple."""
        if len(self._stack) < 2 or type(self._stack[-2]) not in _BINDING_CONTEXTS:
            return None, None  # the usual case: the loop below would stop at once
        child: cst.CSTNode = name
        direct = True
        for ancestor in reversed(self._stack[:-1]):
            if isinstance(ancestor, (cst.Tuple, cst.List, cst.StarredElement, cst.Element)):
                direct = False
                child = ancestor
                continue
            if isinstance(ancestor, cst.AssignTarget):
                assign = self._stack[self._stack.index(ancestor) - 1]
                return ("assign", assign.value) if direct else ("other", None)
            if isinstance(ancestor, cst.AnnAssign) and ancestor.target is child:
                return ("annassign", ancestor.value) if direct else ("other", None)
            if isinstance(ancestor, cst.AugAssign) and ancestor.target is child:
                return "augassign", None
            if isinstance(ancestor, (cst.For, cst.CompFor)) and ancestor.target is child:
                return "for", None
            if isinstance(ancestor, cst.AsName) and ancestor.name is child:
                holder = self._stack[self._stack.index(ancestor) - 1]
                if isinstance(holder, cst.WithItem):
                    return ("with", holder.item) if direct else ("other", None)
                return "other", None  # except ... as name
            if isinstance(ancestor, cst.NamedExpr) and ancestor.target is child:
                return "walrus", ancestor.value
            if isinstance(ancestor, cst.Param) and ancestor.name is child:
                return "param", None
            if isinstance(ancestor, cst.Del):
                return "other", None
            if isinstance(ancestor, (cst.MatchAs, cst.MatchStar, cst.MatchMapping)) and child is not getattr(
                ancestor, "pattern", None
            ):
                return "other", None
            return None, None
        return None, None

    def _bind_imports(self, node: cst.Import | cst.ImportFrom) -> None:
        scope = self._scope_stack[-1]
        if isinstance(node.names, cst.ImportStar):
            return
        if isinstance(node, cst.ImportFrom):
            # Relative imports keep their leading dots; the analysis resolves them against
            # the file's own module name when it knows it.
            dots = "." * len(node.relative)
            module = dots + (_dotted(node.module) if node.module is not None else "")
        for alias in node.names:
            dotted = _dotted(alias.name)
            if isinstance(node, cst.ImportFrom):
                qualified = f"{module}.{dotted}" if node.module is not None else f"{module}{dotted}"
            else:
                qualified = dotted
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._bind(scope, alias.asname.name, "import", qualified=qualified)
            elif isinstance(node, cst.Import):
                # `import a.b` binds `a` to the package `a`.
                top = alias.name
                while isinstance(top, cst.Attribute):
                    top = top.value
                self._bind(scope, top, "import", qualified=top.value)
            else:
                self._bind(scope, alias.name, "import", qualified=qualified)


def _with_subclasses(*classes: type) -> frozenset[type]:
    """The classes and all their subclasses: `type(x) in` this set is `isinstance(x, classes)`."""
    found, pending = set(), list(classes)
    while pending:
        cls = pending.pop()
        if cls not in found:
            found.add(cls)
            pending.extend(cls.__subclasses__())
    return frozenset(found)


#: The nodes whose code `_PositionState` notes for reuse (`_SplicingState.statement`).
_STATEMENT_TYPES = _with_subclasses(cst.SimpleStatementLine, cst.BaseCompoundStatement)
_DEF_TYPES = _with_subclasses(cst.FunctionDef, cst.ClassDef)
_ATTRIBUTE_TYPES = _with_subclasses(cst.Attribute)
_ARG_TYPES = _with_subclasses(cst.Arg)
_DECLARATION_TYPES = _with_subclasses(cst.Global, cst.Nonlocal)
#: Where a Name's parent must be for `_binding_kind` to look further (every type it tests).
_BINDING_CONTEXTS = _with_subclasses(
    cst.Tuple,
    cst.List,
    cst.StarredElement,
    cst.Element,
    cst.AssignTarget,
    cst.AnnAssign,
    cst.AugAssign,
    cst.For,
    cst.CompFor,
    cst.AsName,
    cst.NamedExpr,
    cst.Param,
    cst.Del,
    cst.MatchAs,
    cst.MatchStar,
    cst.MatchMapping,
)
#: The node types the collector does something with (every other node it only walks through).
_SPECIAL = frozenset(
    (*_Collector._INDEXED, cst.Name, *_SCOPE_TYPES, cst.Global, cst.Nonlocal, cst.Import, cst.ImportFrom)
)


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""
