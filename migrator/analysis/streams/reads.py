"""Reading the fields of a Chat chunk for one kind of chunk: paths, values and tests.

`ChunkReads` knows what a chunk of each kind holds (`ChunkFacts.facts`): whether it has choices,
whether `delta.content` / `delta.reasoning_content` is text, empty or None, whether there is
usage. From that it decides tests on chunk fields (`TestOutcome`), and rewrites reads that stay into
reads of the event (`delta.content` on a text chunk is `event.delta`). Anything it cannot
decide or rewrite raises `Unmappable`. Used by `migrator.analysis.streams.loops`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TypeAlias, TypeGuard, cast

import libcst as cst

from migrator.syntax import SourceTree, descendants, fill, subscript_key

TEXT, EMPTY, NONE, OBJECT = "text", "empty", "none", "object"
#: A read of the chunk, step by step: `("choices", 0, "delta", "content")` (as `ResultUse.path`).
ChunkPath: TypeAlias = "tuple[str | int, ...]"
#: What a field of a chunk may be: TEXT, EMPTY, NONE or OBJECT for the text, reasoning and usage
#: fields; True or False for whether the chunk has choices, or a reasoning field.
FactValue: TypeAlias = "str | bool"
DELTA: ChunkPath = ("choices", 0, "delta")
FIELDS: dict[ChunkPath, str] = {
    DELTA + ("content",): "content",
    DELTA + ("reasoning_content",): "reasoning",
}
OBJECTS: set[ChunkPath] = {(), ("choices",), ("choices", 0), DELTA}
#: The Responses name of a usage field, by the step of a path that reads it.
USAGE_RENAMES: dict[str | int, str] = {
    "prompt_tokens": "input_tokens",
    "completion_tokens": "output_tokens",
    "total_tokens": "total_tokens",
}
#: The Responses path of a usage detail, by the path that reads it.
USAGE_DETAIL_RENAMES: dict[ChunkPath, tuple[str, str]] = {
    ("prompt_tokens_details", "cached_tokens"): ("input_tokens_details", "cached_tokens"),
    ("completion_tokens_details", "reasoning_tokens"): ("output_tokens_details", "reasoning_tokens"),
}
#: Why a chunk field has no event of its own, by the field's name.
HINTS = {
    "tool_calls": "tool-call fragments have no per-event equivalent here; on Responses read each finished call "
    'from a `response.output_item.done` event (`event.item.type == "function_call"`)',
    "function_call": "function-call fragments have no per-event equivalent here; on Responses read each finished "
    'call from a `response.output_item.done` event (`event.item.type == "function_call"`)',
    "finish_reason": "a Responses stream ends with a `response.completed`, `response.incomplete` or "
    "`response.failed` event instead (`event.response.status`, `event.response.incomplete_details`)",
    "id": "the id is on the `response.created` event (`event.response.id`)",
    "model": "the model is on the `response.created` event (DashScope sends it empty there)",
    "created": "the creation time is on the `response.created` event (`event.response.created_at`)",
}


class Kind(Enum):
    TEXT = "text chunks"
    REASONING = "reasoning chunks"
    USAGE = "the usage chunk"
    OTHER = "chunks without text (the role, finish and tool-call chunks)"


class Unmappable(Exception):
    def __init__(self, node: cst.CSTNode, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


@dataclass(frozen=True)
class ChunkFacts:
    """What holds at a point of the body: field facts, and the chunk parts local names hold."""

    #: Each field (`"content"`, `"choices"`, ...) → the values it may have.
    facts: dict[str, frozenset[FactValue]] = field(default_factory=dict)
    #: Each local name that holds part of the chunk → the path it holds.
    aliases: dict[str, ChunkPath] = field(default_factory=dict)
    #: Local names of the body that hold `""` here (`text = chunk...content or ""` on a chunk
    #: without text), and are read nowhere but in the body.
    empty: frozenset[str] = frozenset()

    def narrowed(self, name: str, values: Iterable[FactValue]) -> ChunkFacts:
        return replace(self, facts={**self.facts, name: frozenset(values)})

    def presence(self, name: str) -> frozenset[bool]:
        """The values a True / False field (`"choices"`, `"has_reasoning"`) may have."""
        return cast("frozenset[bool]", self.facts[name])  # (FACTS and `narrowed` give these fields only bools)


@dataclass(frozen=True)
class TestOutcome:
    """How a test comes out: its possible values, the test to keep when it depends on something
    other than the chunk (None: decided, or undecidable), and the state on each outcome."""

    values: frozenset[bool]
    residual: cst.BaseExpression | None
    if_true: ChunkFacts
    if_false: ChunkFacts

    @property
    def decided(self) -> bool:
        return len(self.values) == 1

    @property
    def undecidable(self) -> bool:
        return not self.decided and self.residual is None


@dataclass
class LoopNames:
    loop_var: str
    #: Names the body binds to parts of the chunk (`delta = chunk.choices[0].delta`).
    aliases: set[str]
    #: Names bound to `chunk.usage` in the body and read after the loop.
    holders: set[str]
    #: The loop variable's name in the Responses loop.
    event: str


def usage_rename(path: ChunkPath) -> tuple[str, ...] | None:
    """The Responses path of a usage field path (`("prompt_tokens",)` → `("input_tokens",)`)."""
    if len(path) == 1 and path[0] in USAGE_RENAMES:
        return (USAGE_RENAMES[path[0]],)
    if len(path) == 2 and tuple(path) in USAGE_DETAIL_RENAMES:
        return USAGE_DETAIL_RENAMES[tuple(path)]
    return None


class ChunkReads:
    """What one kind of chunk holds, and how its reads look on the event."""

    tree: SourceTree
    names: LoopNames
    kind: Kind

    def mentions(self, node: cst.CSTNode) -> bool:
        """True when `node` reads the loop variable or a name holding part of the chunk."""
        names = {self.names.loop_var, *self.names.aliases}
        for name in names_in(node):
            parent = self.tree.parent(name)
            is_attribute = isinstance(parent, cst.Attribute) and parent.attr is name
            is_keyword = isinstance(parent, cst.Arg) and parent.keyword is name
            if name.value in names and not is_attribute and not is_keyword:
                return True
        return False

    def path(self, node: cst.BaseExpression, state: ChunkFacts) -> ChunkPath | None:
        """The chunk path `node` reads (`("choices", 0, "delta", "content")`), None if no chunk part."""
        if isinstance(node, cst.Name):
            parent = self.tree.parent(node)
            if isinstance(parent, cst.Attribute) and parent.attr is node:
                return None
            if node.value == self.names.loop_var:
                return ()
            if node.value in self.names.aliases:
                if node.value not in state.aliases:
                    raise Unmappable(node, f"`{node.value}` may still hold a part of an earlier chunk here")
                return state.aliases[node.value]
            return None
        if isinstance(node, cst.Attribute):
            base = self.path(node.value, state)
            return None if base is None else base + (node.attr.value,)
        if isinstance(node, cst.Subscript):
            base = self.path(node.value, state)
            return None if base is None else base + (subscript_key(node),)
        if isinstance(node, cst.Call):
            base = self.path(node.func, state)
            return None if base is None else base + ("()",)
        return None

    def check_path(self, path: ChunkPath, node: cst.CSTNode, state: ChunkFacts) -> None:
        """Raise unless `path` is something this kind of chunk has."""
        if path[:1] == ("choices",) and len(path) > 1 and state.facts["choices"] == {False}:
            raise Unmappable(
                node, f"`{self.code(node)}` is read on the usage chunk, which has no choices (Chat fails there too)"
            )
        if path[:1] == ("usage",):
            if not state.facts["usage"]:
                raise Unmappable(
                    node,
                    f"`{self.code(node)}` is always None here: the call does not set "
                    '`stream_options={"include_usage": True}`',
                )
            if len(path) == 1 or any(usage_rename(path[1:i]) for i in range(2, len(path) + 1)):
                return
        elif path in OBJECTS or any(path[: len(leaf)] == leaf for leaf in FIELDS):
            return
        raise Unmappable(node, self.unknown_path_message(path, node))

    def unknown_path_message(self, path: ChunkPath, node: cst.CSTNode) -> str:
        for step in path:
            if step in HINTS:
                return f"`{self.code(node)}`: {HINTS[step]}; migrate this loop by hand"
        return f"`{self.code(node)}` has no equivalent on Responses events; migrate this loop by hand"

    def value(self, node: cst.BaseExpression, state: ChunkFacts) -> cst.BaseExpression | None:
        """The replacement of a chunk read used as a value; None to look inside `node` instead
        (`delta.content.strip()`: the field is replaced, the method call stays)."""
        path = self.path(node, state)
        if path is None:
            return None
        self.check_path(path, node, state)
        if path in FIELDS:
            return self.field_value(node, FIELDS[path], state)
        if path[:1] == ("usage",) and len(path) > 1:
            renamed = usage_rename(path[1:])
            if renamed is None:
                return None
            if state.facts["usage"] != {OBJECT}:
                raise Unmappable(node, f"`{self.code(node)}` is read on {self.kind.value}, where the usage is None")
            return self.event("EVENT.response.usage." + ".".join(renamed))
        if any(path[: len(leaf)] == leaf for leaf in FIELDS):
            return None
        if path == ("usage",):
            raise Unmappable(
                node,
                f"`{self.code(node)}` is used whole; on Responses it is `event.response.usage`, whose fields "
                "have other names; migrate this loop by hand",
            )
        raise Unmappable(node, f"`{self.code(node)}` is passed on whole; Responses events have another shape")

    def field_value(self, node: cst.BaseExpression, name: str, state: ChunkFacts) -> cst.BaseExpression:
        values = state.facts[name]
        if values == {TEXT}:
            return self.event("EVENT.delta")
        if values == {EMPTY}:
            return cst.SimpleString('""')
        raise Unmappable(
            node,
            f"`{self.code(node)}` is None or empty on {self.kind.value} and is used here as a value; "
            "guard it (`if ...:`) so that only chunks with text reach it",
        )

    def event(self, code: str) -> cst.BaseExpression:
        return fill(code, EVENT=cst.Name(self.names.event))

    # -- tests -----------------------------------------------------------------------

    def truth(self, node: cst.BaseExpression, state: ChunkFacts) -> TestOutcome:
        if not self.mentions(node):
            return TestOutcome(frozenset({True, False}), node, state, state)
        if (
            isinstance(node, cst.NamedExpr)
            and isinstance(node.target, cst.Name)
            and node.target.value in self.names.aliases
        ):
            return self.named_part(node, state)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            inner = self.truth(node.expression, state)
            residual = node.with_changes(expression=_operand(inner.residual)) if inner.residual is not None else None
            return TestOutcome(frozenset(not v for v in inner.values), residual, inner.if_false, inner.if_true)
        if isinstance(node, cst.BooleanOperation):
            return self.boolean(node, state)
        if isinstance(node, cst.Comparison):
            return self.comparison(node, state)
        if _is_call_of(node, "hasattr") and len(node.args) == 2:
            return self.has_attribute(node, state)
        if _is_call_of(node, "bool") and len(node.args) == 1:
            return self.truth(node.args[0].value, state)
        if _is_call_of(node, "len") and len(node.args) == 1 and self.path(node.args[0].value, state) == ("choices",):
            return self.truth(node.args[0].value, state)
        path = self.getattr_field(node, state) or self.path(node, state)
        if path is not None:
            self.check_path(path, node, state)
            if path in FIELDS or path in OBJECTS or path == ("usage",):
                return self.field_truth(path, state)
        return TestOutcome(frozenset({True, False}), self.translate(node, state), state, state)

    def named_part(self, node: cst.NamedExpr, state: ChunkFacts) -> TestOutcome:
        """`if text := chunk.choices[0].delta.content:`: the test of the field, and the name
        holding it from then on."""
        path = self.getattr_field(node.value, state) or self.path(node.value, state)
        if path is None:
            raise Unmappable(node, f"`{self.code(node)}`: a name holding part of the chunk must hold nothing else")
        self.check_path(path, node.value, state)
        inner = self.truth(node.value, state)
        if not inner.decided:
            raise Unmappable(node, f"whether `{self.code(node.value)}` holds cannot be told on {self.kind.value}")
        target = node.target
        assert isinstance(target, cst.Name)  # (`truth` made sure of it)

        def bound(where: ChunkFacts) -> ChunkFacts:
            return replace(where, aliases={**where.aliases, target.value: path})

        return TestOutcome(inner.values, None, bound(inner.if_true), bound(inner.if_false))

    def field_truth(self, path: ChunkPath, state: ChunkFacts) -> TestOutcome:
        if path == ("choices",):
            present = state.presence("choices")
            return TestOutcome(
                frozenset(present), None, state.narrowed("choices", {True}), state.narrowed("choices", {False})
            )
        if path in OBJECTS:
            return TestOutcome(frozenset({True}), None, state, state)
        name = FIELDS.get(path, "usage")
        values = state.facts[name]
        truthy = {v for v in values if v in (TEXT, OBJECT)}
        outcomes = frozenset(v in (TEXT, OBJECT) for v in values)
        return TestOutcome(outcomes, None, state.narrowed(name, truthy), state.narrowed(name, set(values) - truthy))

    def boolean(self, node: cst.BooleanOperation, state: ChunkFacts) -> TestOutcome:
        is_and = isinstance(node.operator, cst.And)
        left = self.truth(node.left, state)
        stop = not is_and
        if left.values == {stop}:
            return left
        right = self.truth(node.right, left.if_true if is_and else left.if_false)
        if left.decided:
            return right
        if right.values == {stop}:
            if left.residual is not None and not _is_pure(left.residual):
                raise Unmappable(node, f"`{self.code(node.left)}` would no longer run; migrate this loop by hand")
            return TestOutcome(frozenset({stop}), None, state, state)
        if right.decided:  # `a and True` is `a`
            if_true, if_false = (right.if_true, left.if_false) if is_and else (left.if_true, right.if_false)
            return TestOutcome(left.values, left.residual, if_true, if_false)
        residual = None
        if left.residual is not None and right.residual is not None:
            residual = node.with_changes(left=_operand(left.residual, node), right=_operand(right.residual, node))
        if is_and:
            return TestOutcome(frozenset({True, False}), residual, right.if_true, state)
        return TestOutcome(frozenset({True, False}), residual, state, right.if_false)

    def comparison(self, node: cst.Comparison, state: ChunkFacts) -> TestOutcome:
        if len(node.comparisons) == 1:
            target = node.comparisons[0]
            for side, other in ((node.left, target.comparator), (target.comparator, node.left)):
                path = self.getattr_field(side, state) or self.path(side, state)
                if path is not None and (path in FIELDS or path == ("usage",)) and _is_none_or_empty(other):
                    self.check_path(path, side, state)
                    return self.constant_comparison(FIELDS.get(path, "usage"), target.operator, other, state)
            if _is_call_of(node.left, "len") and self.path(node.left.args[0].value, state) == ("choices",):
                nonempty = _nonempty_test(target)
                if nonempty is not None:
                    truth = self.field_truth(("choices",), state)
                    return (
                        truth
                        if nonempty
                        else TestOutcome(frozenset(not v for v in truth.values), None, truth.if_false, truth.if_true)
                    )
        return TestOutcome(frozenset({True, False}), self.translate(node, state), state, state)

    def constant_comparison(
        self, name: str, operator: cst.BaseCompOp, constant: cst.BaseExpression, state: ChunkFacts
    ) -> TestOutcome:
        """`field is None`, `field != ""` and the like, for each value the field may have."""
        negated = isinstance(operator, (cst.IsNot, cst.NotEqual))
        if not negated and not isinstance(operator, (cst.Is, cst.Equal)):
            raise Unmappable(
                constant, f"comparing the chunk's {name} with `{self.code(constant)}` this way is not supported"
            )
        match = NONE if isinstance(constant, cst.Name) else EMPTY
        values = state.facts[name]
        holds = {v for v in values if (v == match) != negated}
        outcomes = frozenset((v == match) != negated for v in values)
        return TestOutcome(outcomes, None, state.narrowed(name, holds), state.narrowed(name, set(values) - holds))

    def has_attribute(self, node: cst.Call, state: ChunkFacts) -> TestOutcome:
        path = self.path(node.args[0].value, state)
        attribute = node.args[1].value
        name = attribute.evaluated_value if isinstance(attribute, cst.SimpleString) else None
        if path == DELTA and name == "reasoning_content":
            values = state.presence("has_reasoning")
            without = state.narrowed("has_reasoning", {False}).narrowed(
                "reasoning", {NONE} & set(state.facts["reasoning"])
            )
            return TestOutcome(frozenset(values), None, state.narrowed("has_reasoning", {True}), without)
        if path is not None and (path + (name,) in (*FIELDS, ("usage",)) or path + (name,) in OBJECTS):
            return TestOutcome(frozenset({True}), None, state, state)
        raise Unmappable(node, f"`{self.code(node)}` has no equivalent on Responses events; migrate this loop by hand")

    def getattr_field(self, node: cst.BaseExpression, state: ChunkFacts) -> ChunkPath | None:
        """The field `getattr(delta, "reasoning_content", None)` reads (a missing field reads as None)."""
        if not (_is_call_of(node, "getattr") and len(node.args) == 3 and _is_none_or_empty(node.args[2].value)):
            return None
        path = self.path(node.args[0].value, state)
        attribute = node.args[1].value
        name = attribute.evaluated_value if isinstance(attribute, cst.SimpleString) else None
        if path is None or not isinstance(name, str):
            return None  # (no field is named by bytes, or by what is no string literal)
        return path + (name,) if path + (name,) in FIELDS else None

    def translate(self, node: cst.BaseExpression, state: ChunkFacts) -> cst.BaseExpression:
        """`node` with the chunk reads inside it replaced (`node` itself is not special)."""
        translate = EventReads(self, state, root=node)
        new = node.visit(translate)
        assert isinstance(new, cst.BaseExpression)  # (`EventReads` replaces expressions by expressions)
        if translate.emptied:
            raise Unmappable(node, f"`{self.code(node)}` reads text that is empty on {self.kind.value}")
        return new

    # -- messages ----------------------------------------------------------------------

    def code(self, node: cst.CSTNode) -> str:
        text = " ".join(self.tree.code(node).split())
        return text if len(text) <= 60 else text[:59] + "…"

    def describe(self, statement: cst.CSTNode) -> str:
        return f"`{self.code(statement).split(':')[0]}`"


class EventReads(cst.CSTTransformer):
    """Chunk reads in an expression or statement → event reads, for one kind of chunk."""

    def __init__(self, specializer: ChunkReads, state: ChunkFacts, root: cst.CSTNode | None = None) -> None:
        super().__init__()
        self.spec = specializer
        self.state = state
        #: A node to look inside of without reading it as a whole (it was just tried as one).
        self.root = root
        self.replacements: dict[cst.CSTNode, cst.CSTNode] = {}
        #: Set when a read was replaced by `""` (an empty field).
        self.emptied = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if not isinstance(node, cst.BaseExpression) or not self.spec.mentions(node):
            return not isinstance(node, cst.BaseExpression)
        new = self.special(node) if node is not self.root else None
        if new is None:
            return True
        if isinstance(new, cst.SimpleString) and new.value == '""':
            self.emptied = True
        self.replacements[node] = keep_outer_parens(node, new)
        return False

    # LibCST's stub types `on_leave` as giving back a node of the type it was given; this gives
    # an expression in place of an expression (a read of the chunk becomes `event.delta`, `""`,
    # `True`, ...), which the parent's field takes as well.
    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        return self.replacements.get(original, updated)

    def special(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        spec, state = self.spec, self.state
        if (
            isinstance(node, (cst.Comparison, cst.UnaryOperation))
            or _is_call_of(node, "hasattr")
            or _is_call_of(node, "bool")
        ):
            if isinstance(node, cst.UnaryOperation) and not isinstance(node.operator, cst.Not):
                return None
            truth = spec.truth(node, state)
            if truth.decided:
                return cst.Name(str(next(iter(truth.values))))
            if truth.residual is None:
                raise Unmappable(node, f"`{spec.code(node)}` cannot be told on {spec.kind.value}")
            return truth.residual
        if isinstance(node, cst.BooleanOperation):
            return self.boolean_value(node)
        if isinstance(node, cst.IfExp):
            test = spec.truth(node.test, state)
            if not test.decided:
                return None
            chosen, where = (node.body, test.if_true) if test.values == {True} else (node.orelse, test.if_false)
            return self.nested(chosen, where)
        path = spec.getattr_field(node, state)
        if path is not None:
            return spec.field_value(node, FIELDS[path], state)
        return spec.value(node, state)

    def boolean_value(self, node: cst.BooleanOperation) -> cst.BaseExpression | None:
        """`a or b` / `a and b` used as a value, when the truth of `a` is decided."""
        left = self.spec.truth(node.left, self.state)
        if not left.decided:
            return None
        is_or = isinstance(node.operator, cst.Or)
        if left.values == {is_or}:  # `text or ""` with text: the text; `x and y` with x falsy: x
            return keep_outer_parens(node, self.nested(node.left, left.if_true if is_or else left.if_false))
        return keep_outer_parens(node, self.nested(node.right, left.if_false if is_or else left.if_true))

    def nested(self, node: cst.BaseExpression, state: ChunkFacts) -> cst.BaseExpression:
        inner = EventReads(self.spec, state)
        new = node.visit(inner)
        assert isinstance(new, cst.BaseExpression)  # (`EventReads` replaces expressions by expressions)
        self.emptied |= inner.emptied
        return new


def keep_outer_parens(old: cst.BaseExpression, new: cst.BaseExpression) -> cst.BaseExpression:
    if getattr(old, "lpar", None) and hasattr(new, "lpar") and not new.lpar:
        return new.with_changes(lpar=old.lpar, rpar=old.rpar)
    return new


# -- small helpers ---------------------------------------------------------------------


def names_in(node: cst.CSTNode) -> list[cst.Name]:
    return descendants(node, cst.Name)


def _is_call_of(node: cst.CSTNode, name: str) -> TypeGuard[cst.Call]:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == name


def _is_none_or_empty(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Name):
        return node.value == "None"
    return isinstance(node, cst.SimpleString) and node.evaluated_value == ""


def _nonempty_test(target: cst.ComparisonTarget) -> bool | None:
    """For `len(x) <op> <int>`: True if it means "not empty", False for "empty", else None."""
    if not isinstance(target.comparator, cst.Integer):
        return None
    number = int(target.comparator.value)
    operator = target.operator
    if (number, type(operator)) in ((0, cst.GreaterThan), (0, cst.NotEqual), (1, cst.GreaterThanEqual)):
        return True
    if (number, type(operator)) in ((0, cst.Equal), (1, cst.LessThan)):
        return False
    return None


def _is_pure(node: cst.CSTNode) -> bool:
    """True for expressions that only read names, attributes, items and constants."""
    return not any(isinstance(n, (cst.Call, cst.Await, cst.Yield, cst.NamedExpr)) for n in _all_nodes(node))


def _all_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []

    class _All(cst.CSTVisitor):
        def on_visit(self, n: cst.CSTNode) -> bool:
            found.append(n)
            return True

    node.visit(_All())
    return found


def _operand(node: cst.BaseExpression, parent: cst.BooleanOperation | None = None) -> cst.BaseExpression:
    """`node` in parentheses where it becomes an operand of `not` / `and` / `or` and needs them."""
    needs = isinstance(node, (cst.IfExp, cst.Lambda, cst.NamedExpr)) or (
        isinstance(node, cst.BooleanOperation) and (parent is None or type(node.operator) is not type(parent.operator))
    )
    if needs and not node.lpar:
        return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node
