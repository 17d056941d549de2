"""How the body of a Chat Completions streaming loop reads as a loop over Responses events.

A Chat stream hands the loop chunks of four kinds: text chunks (`choices[0].delta.content`),
DashScope's thinking chunks (`choices[0].delta.reasoning_content`), chunks with neither (the
role chunk, the finish chunk, tool-call fragments) and, with
`stream_options={"include_usage": True}`, a last chunk with no choices and the usage. A
Responses stream hands it events: one per text delta, one per reasoning delta, and a last
`response.completed` (`response.incomplete` when cut short) carrying the response and its usage.

`Specializer` evaluates the loop body for one kind of chunk: guards on chunk fields are
decided (`if chunk.choices:` holds on every chunk but the usage chunk, `delta.content` is
truthy only on text chunks), field reads become event reads, and what is left is that kind's
branch of an `event.type` dispatch. On chunks with neither text nor usage the body must do
nothing (they have no event), except what does nothing with an empty string
(`print("", end="")`, `text += ""`). Whatever cannot be decided raises `Unmappable`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TypeAlias

import libcst as cst

from migrator.syntax import SourceTree, bare_code, is_inside
from migrator.analysis.streams.reads import (
    EMPTY,
    NONE,
    OBJECT,
    TEXT,
    ChunkReads,
    Kind,
    LoopNames,
    ChunkFacts,
    EventReads,
    FactValue,
    Unmappable,
    names_in,
)

REASONING_EVENTS = '("response.reasoning_text.delta", "response.reasoning_summary_text.delta")'
#: The test each kind's branch of the dispatch gets (EVENT is the loop variable).
#: The first event of every Responses stream; its `response.id` is known from then on.
CREATED_TEST = 'EVENT.type == "response.created"'
EVENT_TESTS = {
    Kind.TEXT: 'EVENT.type == "response.output_text.delta"',
    Kind.REASONING: f"EVENT.type in {REASONING_EVENTS}",
    Kind.USAGE: 'EVENT.type in ("response.completed", "response.incomplete")',
}
#: What is known of a chunk of each kind: field → the values it may have.
FACTS: dict[Kind, dict[str, set[FactValue]]] = {
    Kind.TEXT: {
        "choices": {True},
        "content": {TEXT},
        "reasoning": {NONE},
        "has_reasoning": {True, False},
        "usage": {NONE},
    },
    Kind.REASONING: {
        "choices": {True},
        "content": {NONE, EMPTY},
        "reasoning": {TEXT},
        "has_reasoning": {True},
        "usage": {NONE},
    },
    Kind.OTHER: {
        "choices": {True},
        "content": {NONE, EMPTY},
        "reasoning": {NONE, EMPTY},
        "has_reasoning": {True, False},
        "usage": {NONE},
    },
    Kind.USAGE: {"choices": {False}, "content": set(), "reasoning": set(), "has_reasoning": set(), "usage": {OBJECT}},
}
#: A statement of a loop body as `_statements` gives it: a one-line suite (`if x: a; b`) is one.
Statement: TypeAlias = "cst.BaseStatement | cst.SimpleStatementSuite"
#: The statements a body becomes for one kind of chunk, whether they always end the iteration,
#: and what holds after them.
Evaluated: TypeAlias = "tuple[list[cst.BaseStatement], bool, ChunkFacts]"


class Specializer(ChunkReads):
    """The body of one Chat loop, evaluated for one kind of chunk."""

    def __init__(self, tree: SourceTree, names: LoopNames, kind: Kind, include_usage: bool) -> None:
        self.tree = tree
        self.names = names
        self.kind = kind
        #: Without `stream_options={"include_usage": True}` no chunk has usage.
        self.include_usage = include_usage
        #: Each statement produced → the statement of the original body it comes from.
        self.origin: dict[int, cst.CSTNode] = {}

    def run(self, body: cst.BaseSuite) -> list[cst.BaseStatement]:
        self.body = body
        facts = {k: frozenset(v) for k, v in FACTS[self.kind].items()}
        if not self.include_usage:
            facts["usage"] = frozenset()
        state = ChunkFacts(facts)
        statements, _, _ = self.block(_statements(body), state)
        while statements and _is_continue(statements[-1]):
            statements = statements[:-1]  # the end of the branch is the end of the body
        return statements

    # -- statements ------------------------------------------------------------------

    def block(self, statements: Iterable[Statement], state: ChunkFacts) -> Evaluated:
        """The statements as they run for this kind, whether they always end the iteration, and
        the state after them."""
        out: list[cst.BaseStatement] = []
        for statement in statements:
            produced, ends, state = self.statement(statement, state)
            out.extend(produced)
            if ends:
                return out, True, state
        return out, False, state

    def statement(self, statement: Statement, state: ChunkFacts) -> Evaluated:
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return self.line(statement, state)
        if isinstance(statement, cst.If):
            return self.if_statement(statement, state)
        if self.mentions(statement):
            self.check_reads(statement, state)
            raise Unmappable(statement, f"{self.describe(statement)} reads the chunk; migrate this loop by hand")
        return self.keep([statement], statement), False, state

    def check_reads(self, node: cst.CSTNode, state: ChunkFacts) -> None:
        """Raise for the first chunk read inside `node` that has no equivalent (with its hint)."""
        for name in names_in(node):
            top: cst.BaseExpression = name
            while isinstance(parent := self.tree.parent(top), (cst.Attribute, cst.Subscript)) and parent.value is top:
                top = parent
            path = self.path(top, state) if top is not name or self.mentions(name) else None
            if path is not None:
                self.check_path(path, top, state)

    def line(self, line: cst.SimpleStatementLine | cst.SimpleStatementSuite, state: ChunkFacts) -> Evaluated:
        kept: list[cst.BaseSmallStatement] = []
        ends = False
        for small in line.body:
            if isinstance(small, cst.Pass):
                continue
            if isinstance(small, cst.Assign) and self._alias_target(small) is not None:
                state = self.bind_alias(small, state)
                continue
            scratch = self._scratch_target(small)
            if scratch is not None and isinstance(small, cst.Assign):
                new_value = small.value.visit(EventReads(self, state))
                if isinstance(new_value, cst.CSTNode) and _is_empty(
                    new_value
                ):  # `text = chunk...content or ""` where there is no text
                    state = replace(state, empty=state.empty | {scratch})
                    continue
                state = replace(state, empty=state.empty - {scratch})
            new = self.small(small, state)
            if new is not None:
                kept.append(new)
            if isinstance(small, (cst.Continue, cst.Break, cst.Return, cst.Raise)):
                ends = True
                break
        if not kept:
            return [], ends, state
        kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        rebuilt = (
            line.with_changes(body=kept) if isinstance(line, cst.SimpleStatementLine) else cst.SimpleStatementLine(kept)
        )
        return self.keep([rebuilt], line), ends, state

    def small(self, small: cst.BaseSmallStatement, state: ChunkFacts) -> cst.BaseSmallStatement | None:
        """The statement for this kind; None when it does nothing here."""
        if isinstance(small, cst.Assign) and self._holder_target(small) is not None:
            return self.holder_assignment(small, state)
        translate = EventReads(self, state)
        new = small.visit(translate)
        assert isinstance(new, cst.BaseSmallStatement)  # (`EventReads` only replaces expressions)
        if does_nothing_with_empty(new, state.empty, self._only_joined):
            return None
        if translate.emptied:
            raise Unmappable(
                small,
                f"`{self.code(small)}` also runs on {self.kind.value}, where the text it reads is empty; "
                "guard it so that only chunks with text reach it",
            )
        return new

    def if_statement(self, node: cst.If, state: ChunkFacts) -> Evaluated:
        truth = self.truth(node.test, state)
        if truth.values == {True}:
            return self.block(_statements(node.body), truth.if_true)
        if truth.values == {False}:
            return self.orelse(node.orelse, truth.if_false)
        body, body_ends, after_body = self.block(_statements(node.body), truth.if_true)
        rest, rest_ends, after_rest = self.orelse(node.orelse, truth.if_false)
        # After the `if`, what holds on the branches that go on (a branch ending in `continue` does not).
        after = after_rest if body_ends else after_body if rest_ends else _meet(after_body, after_rest)
        if truth.undecidable:
            if body or rest:
                raise Unmappable(
                    node.test,
                    f"whether `{self.code(node.test)}` holds cannot be told on {self.kind.value}, "
                    "and the branches do different things; migrate this loop by hand",
                )
            return [], body_ends and rest_ends, after
        if not body and not rest:
            return [], False, after
        orelse = _as_orelse(rest) if rest else None
        new = node.with_changes(test=truth.residual, body=_indented(node.body, body or [_pass()]), orelse=orelse)
        return self.keep([new], node), body_ends and rest_ends, after

    def orelse(self, orelse: cst.If | cst.Else | None, state: ChunkFacts) -> Evaluated:
        if orelse is None:
            return [], False, state
        if isinstance(orelse, cst.If):
            return self.if_statement(orelse, state)
        return self.block(_statements(orelse.body), state)

    def keep(self, statements: list[cst.BaseStatement], original: cst.CSTNode) -> list[cst.BaseStatement]:
        for statement in statements:
            self.origin[id(statement)] = self.origin.get(id(original), original)
        return statements

    # -- local names ------------------------------------------------------------------

    def _scratch_target(self, small: cst.BaseSmallStatement) -> str | None:
        """The name of `name = <value>` when every binding and read of it is in the loop body (so
        what it holds on chunks without an event is seen nowhere else)."""
        if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
            return None
        target = small.targets[0].target
        binding = self.tree.binding_at(target) if isinstance(target, cst.Name) else None
        if binding is None:
            return None
        bindings = self.tree.bindings_in_scope_of(binding)
        places = [b.node for b in bindings] + [r for b in bindings for r in self.tree.references(b)]
        return binding.name if all(is_inside(self.tree, node, self.body) for node in places) else None

    def _only_joined(self, name: cst.Name) -> bool:
        """A list `name` that starts empty, only grows by `.append(...)` and is read only as
        `"".join(name)`: appending `""` to it changes nothing that is read."""
        bindings = self.tree.bindings_of(name)
        if not bindings or not all(b.kind == "assign" and _is_empty_list(b.value) for b in bindings):
            return False
        for binding in bindings:
            for reference in self.tree.references(binding):
                parent = self.tree.parent(reference)
                call = self.tree.parent(parent) if parent is not None else None
                appended = (
                    isinstance(parent, cst.Attribute)
                    and parent.attr.value == "append"
                    and isinstance(call, cst.Call)
                    and isinstance(self.tree.parent(call), cst.Expr)
                )
                joined = (
                    isinstance(parent, cst.Arg)
                    and isinstance(call, cst.Call)
                    and len(call.args) == 1
                    and isinstance(call.func, cst.Attribute)
                    and call.func.attr.value == "join"
                    and _is_empty(call.func.value)
                )
                if not (appended or joined):
                    return False
        return True

    def _alias_target(self, assign: cst.Assign) -> str | None:
        target = assign.targets[0].target if len(assign.targets) == 1 else None
        return target.value if isinstance(target, cst.Name) and target.value in self.names.aliases else None

    def _holder_target(self, assign: cst.Assign) -> str | None:
        target = assign.targets[0].target if len(assign.targets) == 1 else None
        return target.value if isinstance(target, cst.Name) and target.value in self.names.holders else None

    def bind_alias(self, assign: cst.Assign, state: ChunkFacts) -> ChunkFacts:
        path = self.getattr_field(assign.value, state) or self.path(assign.value, state)
        if path is None:
            raise Unmappable(assign, f"`{self.code(assign)}`: a name holding part of the chunk must hold nothing else")
        self.check_path(path, assign.value, state)
        name = self._alias_target(assign)
        assert name is not None  # (`line` binds only the assignments of an alias)
        return replace(state, aliases={**state.aliases, name: path})

    def holder_assignment(self, assign: cst.Assign, state: ChunkFacts) -> cst.Assign:
        if self.path(assign.value, state) != ("usage",):
            raise Unmappable(assign, f"`{self.code(assign)}`: the name is read after the loop as the usage")
        if state.facts["usage"] != {OBJECT}:
            raise Unmappable(
                assign,
                f"`{self.code(assign)}` also runs on {self.kind.value}, where the usage is None; "
                "guard it (`if chunk.usage:`) so that only the usage chunk sets it",
            )
        return assign.with_changes(value=self.event("EVENT.response.usage"))


# -- small helpers ---------------------------------------------------------------------


def _statements(suite: cst.BaseSuite) -> list[Statement]:
    """The statements of a block; a one-line suite (`if x: a; b`) counts as one line."""
    if isinstance(suite, cst.SimpleStatementSuite):
        return [suite]
    assert isinstance(suite, cst.IndentedBlock)  # (the other kind of suite)
    return list(suite.body)


def _indented(original: cst.BaseSuite, statements: list[cst.BaseStatement]) -> cst.IndentedBlock:
    if isinstance(original, cst.IndentedBlock):
        return original.with_changes(body=statements)
    return cst.IndentedBlock(body=statements)


def _as_orelse(statements: list[cst.BaseStatement]) -> cst.If | cst.Else:
    if len(statements) == 1 and isinstance(statements[0], cst.If):
        return statements[0]
    return cst.Else(body=cst.IndentedBlock(body=statements))


def _pass() -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[cst.Pass()])


def _is_continue(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Continue)
    )


def _meet(a: ChunkFacts, b: ChunkFacts) -> ChunkFacts:
    """What holds after either of two paths: the facts of both, the aliases they agree on."""
    facts = {k: frozenset(a.facts[k]) | frozenset(b.facts[k]) for k in a.facts}
    aliases = {k: v for k, v in a.aliases.items() if b.aliases.get(k) == v}
    return ChunkFacts(facts, aliases)


def does_nothing_with_empty(
    small: cst.BaseSmallStatement,
    empty: frozenset[str] = frozenset(),
    only_joined: Callable[[cst.Name], bool] = lambda name: False,
) -> bool:
    """True for statements that do nothing when their text is `""`: `print("", end="")`,
    `sys.stdout.write("")`, `text += ""`, and `pieces.append("")` to a list only ever
    `"".join`-ed (`only_joined`); names in `empty` hold `""`."""

    def empty_text(node: cst.CSTNode) -> bool:
        return _is_empty(node) or (isinstance(node, cst.Name) and node.value in empty)

    if isinstance(small, cst.AugAssign):
        return isinstance(small.operator, cst.AddAssign) and empty_text(small.value)
    if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
        return False
    call = small.value
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args) or not all(empty_text(a.value) for a in positional):
        return False
    func = call.func
    if (
        isinstance(func, cst.Attribute)
        and func.attr.value == "append"
        and isinstance(func.value, cst.Name)
        and len(positional) == 1
        and len(call.args) == 1
    ):
        return only_joined(func.value)
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    if isinstance(call.func, cst.Name) and call.func.value == "print":
        return "end" in keywords and _is_empty(keywords["end"]) and set(keywords) <= {"end", "flush", "sep", "file"}
    return bare_code(call.func) in ("sys.stdout.write", "sys.stderr.write") and len(positional) == 1 and not keywords


def _is_empty_list(node: cst.CSTNode | None) -> bool:
    return isinstance(node, cst.List) and not node.elements


def _is_empty(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.SimpleString) and node.evaluated_value == ""
