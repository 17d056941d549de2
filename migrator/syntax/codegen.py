"""Code generation: the one module that uses LibCST's internals (its code generation state and
the nodes' `_codegen`), so that a LibCST release that changes them breaks here, loudly
(`tests/syntax/test_tree.py` checks what is generated against LibCST's own `Module.code`).

- `index_module`: one code generation of a module that notes where each node starts and the
  tokens of every statement, with the indentation it was printed at;
- `splice`: the code of an edited module that reuses those tokens for every statement no edit
  touched (`SplicedBlock`, `RenderedLine` are the rebuilt nodes that know how);
- `code_for_node` / `tokens_for_node`: one node's code, faster than LibCST's.
"""

from __future__ import annotations

from typing import Literal

import libcst as cst
from libcst._nodes.internal import CodegenState

from migrator.syntax.nodes import with_subclasses as _with_subclasses

_STATEMENT_TYPES = _with_subclasses(cst.SimpleStatementLine, cst.BaseCompoundStatement)


class _NoContext:
    """A context manager that does nothing, and costs less than a generator-based one."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> Literal[False]:
        return False


_NO_CONTEXT = _NoContext()


class _CodegenState(CodegenState):
    """LibCST's code generation state, without entering a generator-based context manager around
    every expression and statement (CodegenState's `record_syntactic_position` does nothing)."""

    __slots__ = ()

    def record_syntactic_position(  # type: ignore[override]  # LibCST types its @contextmanager; callers only enter it
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> _NoContext:
        return _NO_CONTEXT


class _SplicingState(_CodegenState):
    """The state `edited_code` generates code with: it knows the code of the module's own
    statements (from the positions pass) and of the statement lines layout rendered."""

    __slots__ = ("rendered", "spans", "known_tokens")
    rendered: dict[int, tuple[list[str], list[str], cst.SimpleStatementLine]]
    spans: dict[int, tuple[int, int, tuple[str, ...]]]
    known_tokens: list[str]

    def statement(self, node: cst.CSTNode) -> None:
        """Add `node`'s code: the tokens generated for it before when it is a statement of the
        module as parsed (no edit touched it: the same object) printed at the same indentation."""
        span = self.spans.get(id(node))
        # (ids are safe: the module as parsed stays alive, so no new node can take one of its ids)
        if span is not None and span[2] == tuple(self.indent_tokens):
            self.tokens.extend(self.known_tokens[span[0] : span[1]])
        else:
            node._codegen(self)


class SplicedBlock(cst.IndentedBlock):
    """An indented block that an edit rebuilt: generated with the tree's `splice`, each
    of its statements that no edit touched reuses its code; anywhere else it is an ordinary
    block. `_codegen_impl` is LibCST's own `IndentedBlock._codegen_impl` with that one change."""

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


class RenderedLine(cst.SimpleStatementLine):
    """A statement line whose code `SourceTree.rendered` knows: generated with the tree's
    `splice`, at the indentation it was rendered at, that code is reused. Anywhere else
    (LibCST's own `Module.code`, another indentation) it is an ordinary statement line; a
    changed copy (`with_changes`) has a new id, so no code is known for it."""

    def _codegen_impl(self, state: CodegenState) -> None:
        known = state.rendered.get(id(self)) if type(state) is _SplicingState else None
        if known is not None and known[2] is self and known[0] == state.indent_tokens:
            for line in self.leading_lines:
                line._codegen(state)
            state.tokens.extend(known[1])
            return
        super()._codegen_impl(state)


class _PositionState(CodegenState):
    """Code generation that notes, by node id, the token where each node starts (`starts`: where
    its code begins, then where its syntactic start is, after a statement's leading lines or an
    expression's parentheses: the later one wins), and each statement's tokens and indentation
    (`spans`). LibCST adds every token through `add_token` or `add_indent_tokens`, so the length
    of `tokens` is the index of the next one."""

    __slots__ = ("starts", "spans", "opened")
    starts: dict[int, int]
    spans: dict[int, tuple[int, int, tuple[str, ...]]]
    opened: list[int]

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts[id(node)] = len(self.tokens)
        if type(node) in _STATEMENT_TYPES:
            self.opened.append(len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        if type(node) in _STATEMENT_TYPES:
            self.spans[id(node)] = (self.opened.pop(), len(self.tokens), tuple(self.indent_tokens))

    def record_syntactic_position(  # type: ignore[override]  # LibCST types its @contextmanager; callers only enter it
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> _NoContext:
        self.starts[id(node)] = len(self.tokens)
        return _NO_CONTEXT


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


def finish_module(module: cst.Module, state: CodegenState) -> None:
    """What `Module._codegen_impl` does after the module's header, body and footer."""
    if module.has_trailing_newline:
        if len(state.tokens) == 0:
            state.tokens.append(state.default_newline)
    else:
        state.pop_trailing_newline()


def index_module(
    module: cst.Module,
) -> tuple[list[str], list[str], dict[int, int], dict[int, tuple[int, int, tuple[str, ...]]]]:
    """One code generation of `module` that notes the token where each node starts (`starts`,
    by id) and the tokens of every statement with its indentation (`spans`, by id): (the tokens
    the spans index, the module's tokens, starts, spans). The two token lists differ only when
    the module has no trailing newline (finishing it takes the last one off)."""
    state = _PositionState(default_indent=module.default_indent, default_newline=module.default_newline)
    state.starts, state.spans, state.opened = {}, {}, []
    for node in (*module.header, *module.body, *module.footer):
        node._codegen(state)
    tokens = state.tokens
    known = tokens if module.has_trailing_newline else list(tokens)
    finish_module(module, state)
    state.starts[id(module)] = 0
    return known, tokens, state.starts, state.spans


def splice(
    edited: cst.Module,
    rendered: dict[int, tuple[list[str], list[str], cst.SimpleStatementLine]],
    spans: dict[int, tuple[int, int, tuple[str, ...]]],
    known_tokens: list[str],
) -> str:
    """The code of `edited`: its statements that are the module's own (untouched) reuse the
    tokens `index_module` noted, rendered statement lines their known tokens."""
    state = _SplicingState(default_indent=edited.default_indent, default_newline=edited.default_newline)
    state.rendered, state.spans, state.known_tokens = rendered, spans, known_tokens
    for node in (*edited.header, *edited.body, *edited.footer):
        state.statement(node)
    finish_module(edited, state)
    return "".join(state.tokens)


_EMPTY_MODULE = cst.Module(body=[])


def bare_code(node: cst.CSTNode) -> str:
    """`cst.Module([]).code_for_node(node)`: the node's code with LibCST's default indentation
    and line breaks, without making a module for it."""
    return code_for_node(node, _EMPTY_MODULE)
