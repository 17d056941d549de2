"""Where each name is bound: one walk over a LibCST module records parents, the nodes of a few
types, scopes and bindings (`Collector`), which `SourceTree` answers questions from.

Name resolution follows Python's rules (function scopes, class bodies skipped by nested
functions, `global` / `nonlocal`), but it is not flow sensitive: every binding of a name in
a scope counts. That errs on the side of refusing a rewrite, never of making a wrong one.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import libcst as cst

from migrator.syntax.nodes import children as _children
from migrator.syntax.nodes import with_subclasses as _with_subclasses

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


def enclosing_function_scope(scope: Scope) -> Scope | None:
    enclosing = scope.parent
    while enclosing is not None and enclosing.is_class:
        enclosing = enclosing.parent
    return enclosing


class Collector:
    """Records parents, nodes by type, scopes and bindings in one walk."""

    _INDEXED = frozenset(
        (
            cst.Call,
            cst.SimpleString,
            cst.FormattedString,
            cst.ClassDef,
            cst.FunctionDef,
            cst.Return,
            cst.Yield,
            cst.Assign,
            cst.Attribute,
            cst.Import,
            cst.ImportFrom,
        )
    )

    def __init__(self) -> None:
        self.parents: dict[int, cst.CSTNode] = {}
        #: The nodes of each type in `_INDEXED`, under their own type (not their base classes').
        self.by_type: dict[type[cst.CSTNode], list[cst.CSTNode]] = defaultdict(list)
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
        # (exact types, not isinstance: LibCST's abstract base classes make isinstance cost more)
        if type(node) is cst.Name:
            self.names_by_value[node.value].append(node)
            self._visit_name(node)
        elif node_type in _SCOPE_TYPE_SET:
            self._enter_scope(node)
        elif type(node) is cst.Global or type(node) is cst.Nonlocal:
            target = self._scope_stack[-1].globals if node_type is cst.Global else self._scope_stack[-1].nonlocals
            target.update(item.name.value for item in node.names)
        elif type(node) is cst.Import or type(node) is cst.ImportFrom:
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

    def _bind(
        self,
        scope: Scope,
        name: cst.Name,
        kind: str,
        value: cst.BaseExpression | None = None,
        qualified: str | None = None,
    ) -> None:
        binding = Binding(name.value, scope.node, name, kind, value, qualified)
        scope.bindings[name.value].append(binding)
        self.binding_of_node[name] = binding

    def _visit_name(self, name: cst.Name) -> None:
        scope = self._scope_stack[-1]
        # (typed by the exact-type checks below, which mypy cannot follow through `parent_type`)
        parent: Any = self._stack[-2] if len(self._stack) > 1 else None
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
                assert target_scope.parent is not None  # a comprehension is always inside a module
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
                assert isinstance(assign, cst.Assign)  # (an assignment target's parent)
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
                top: cst.BaseExpression = alias.name
                while isinstance(top, cst.Attribute):
                    top = top.value
                assert isinstance(top, cst.Name)  # a dotted name starts with a name
                self._bind(scope, top, "import", qualified=top.value)
            else:
                assert isinstance(alias.name, cst.Name)  # `from m import name`: never dotted
                self._bind(scope, alias.name, "import", qualified=qualified)


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
    (*Collector._INDEXED, cst.Name, *_SCOPE_TYPES, cst.Global, cst.Nonlocal, cst.Import, cst.ImportFrom)
)


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""
