"""Small LibCST edits: keyword arguments, dict and list elements, templates, layout.

Every helper keeps the code's own layout: commas keep their whitespace, so a one-line call
stays on one line and a one-argument-per-line call keeps that shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

import functools

import libcst as cst

if TYPE_CHECKING:
    from migrator.syntax.tree import SourceTree

from migrator.syntax.codegen import bare_code
from migrator.syntax.literals import string_value
from migrator.syntax.nodes import all_field_names, replace_names, with_children
from migrator.syntax.queries import kwarg

_DEFAULT = cst.MaybeSentinel.DEFAULT

#: A list or dict literal: the helpers that edit one give back a literal of the kind they were given.
_Literal = TypeVar("_Literal", cst.List, cst.Dict)
#: The element of a list literal (`Element`, `StarredElement`) or a dict literal (`DictElement`,
#: `StarredDictElement`): what `_Literal`'s `elements` holds.
_LiteralElement = cst.BaseElement | cst.BaseDictElement
_Node = TypeVar("_Node", bound=cst.CSTNode)
_MaybeComma = TypeVar("_MaybeComma", cst.Comma, cst.MaybeSentinel)
_Whitespace = TypeVar("_Whitespace", bound=cst.ParenthesizedWhitespace)


def rename_kwarg(call: cst.Call, old: str, new: str) -> cst.Call:
    return call.with_changes(
        args=[
            arg.with_changes(keyword=cst.Name(new)) if arg.keyword is not None and arg.keyword.value == old else arg
            for arg in call.args
        ]
    )


def set_kwarg_value(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    return call.with_changes(
        args=[
            arg.with_changes(value=value) if arg.keyword is not None and arg.keyword.value == name else arg
            for arg in call.args
        ]
    )


def replace_kwarg(call: cst.Call, name: str, new_name: str, value: cst.BaseExpression) -> cst.Call:
    """Put `new_name=value` where `name=...` was, keeping its comma and place."""
    return call.with_changes(
        args=[
            (
                arg.with_changes(keyword=cst.Name(new_name), value=value)
                if arg.keyword is not None and arg.keyword.value == name
                else arg
            )
            for arg in call.args
        ]
    )


def remove_kwarg(call: cst.Call, name: str) -> cst.Call:
    args = list(call.args)
    index = next((i for i, a in enumerate(args) if a.keyword is not None and a.keyword.value == name), None)
    if index is None:
        return call
    removed = args.pop(index)
    if index == len(args) and args:
        # The new last argument takes over the removed one's trailing comma (or lack of it).
        args[-1] = args[-1].with_changes(comma=removed.comma)
    return call.with_changes(args=args)


def add_kwarg(call: cst.Call, name: str, value: cst.BaseExpression, *, before: str | None = None) -> cst.Call:
    """Add `name=value` before the keyword `before` (when given and present) or at the end."""
    new_arg = cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
    args = list(call.args)
    index = next(
        (i for i, a in enumerate(args) if before and a.keyword is not None and a.keyword.value == before), None
    )
    if index is not None:
        args.insert(index, new_arg.with_changes(comma=_separator(call, args, index)))
        return call.with_changes(args=args)
    if not args:
        return call.with_changes(args=[new_arg])
    last = args[-1]
    separator = _separator(call, args, len(args) - 1)
    if last.comma is not _DEFAULT:
        # A trailing comma: the call is laid out one argument per line.
        args[-1] = last.with_changes(comma=separator)
        args.append(new_arg.with_changes(comma=last.comma))
    else:
        # What stood between the last argument and `)` (a line break, say) now follows the new one.
        args[-1] = last.with_changes(comma=separator, whitespace_after_arg=cst.SimpleWhitespace(""))
        args.append(new_arg.with_changes(whitespace_after_arg=last.whitespace_after_arg))
    return call.with_changes(args=args)


def _separator(call: cst.Call, args: list[cst.Arg], index: int) -> cst.Comma:
    """The comma to put after a new or existing argument, copied from a neighbour."""
    for arg in args[:index] + args[index + 1 :]:
        if isinstance(arg.comma, cst.Comma) and _is_between(arg, args):
            return arg.comma
    whitespace = call.whitespace_before_args
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=whitespace)
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _is_between(arg: cst.Arg, args: list[cst.Arg]) -> bool:
    return arg is not args[-1]


def remove_dict_keys(node: cst.Dict, keys: set[str]) -> cst.Dict:
    elements = list(node.elements)
    kept = [
        e
        for e in elements
        if not (isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString) and string_value(e.key) in keys)
    ]
    if kept and kept[-1] is not elements[-1]:
        kept[-1] = kept[-1].with_changes(comma=elements[-1].comma)
    return node.with_changes(elements=kept)


def remove_kwarg_keys(call: cst.Call, name: str, keys: set[str]) -> cst.Call:
    """Remove `keys` from the literal dict of keyword argument `name` (`extra_body`, say), and
    the argument once it is empty."""
    arg = kwarg(call, name)
    if arg is None or not isinstance(arg.value, cst.Dict):
        return call
    trimmed = remove_dict_keys(arg.value, keys)
    if not trimmed.elements:
        return remove_kwarg(call, name)
    return set_kwarg_value(call, name, trimmed)


def element_separator(node: cst.List | cst.Dict) -> cst.Comma:
    """The comma to put between two elements of a list or dict literal, copied from its layout
    (without the comments that follow the copied comma)."""
    elements = node.elements
    if len(elements) > 1 and isinstance(elements[0].comma, cst.Comma):
        return _without_comments(elements[0].comma)
    opening = node.lbracket if isinstance(node, cst.List) else node.lbrace
    if isinstance(opening.whitespace_after, cst.ParenthesizedWhitespace):
        return _without_comments(cst.Comma(whitespace_after=opening.whitespace_after))
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def with_elements(
    node: _Literal, elements: Sequence[_LiteralElement], *, like: cst.List | cst.Dict | None = None
) -> _Literal:
    """`node` holding `elements`, laid out like `like` (default: `node` itself): one separator
    between elements, and the last element keeps the original trailing comma (or its absence)."""
    like = like if like is not None else node
    if not elements:
        return node.with_changes(elements=[])
    separator = element_separator(like)
    trailing = like.elements[-1].comma if like.elements else _DEFAULT
    laid_out = [e.with_changes(comma=separator) for e in elements[:-1]]
    laid_out.append(elements[-1].with_changes(comma=trailing))
    return node.with_changes(elements=laid_out)


def append_elements(node: _Literal, new: Sequence[_LiteralElement]) -> _Literal:
    """`node` with `new` elements added at the end, in the literal's own layout; the existing
    elements keep their commas and comments."""
    if not node.elements or not new:
        return with_elements(node, [*node.elements, *new])
    separator = element_separator(node)
    last = node.elements[-1]
    closing = node.rbracket if isinstance(node, cst.List) else node.rbrace
    before_closing = closing.whitespace_before
    if _has_comments(before_closing) and isinstance(separator.whitespace_after, cst.ParenthesizedWhitespace):
        # The comment after the last element stays on its line, not after the new ones.
        moved = cst.Comma(whitespace_after=before_closing.with_changes(last_line=separator.whitespace_after.last_line))
        old_last = last.with_changes(comma=moved)
        closing = closing.with_changes(whitespace_before=_without_comments_ws(before_closing))
    else:
        old_last = last.with_changes(comma=ending_like(last.comma, separator))
    added: list[_LiteralElement] = [e.with_changes(comma=separator) for e in new[:-1]]
    trailing = _without_comments(last.comma) if isinstance(last.comma, cst.Comma) else last.comma
    added.append(new[-1].with_changes(comma=trailing))
    elements = [*node.elements[:-1], old_last, *added]
    if isinstance(node, cst.List):
        return node.with_changes(elements=elements, rbracket=closing)
    return node.with_changes(elements=elements, rbrace=closing)


def prepend_element(node: _Literal, element: _LiteralElement) -> _Literal:
    """`node` with `element` first, on the line where the first element was."""
    if not node.elements:
        return node.with_changes(elements=[element])
    return node.with_changes(elements=[element.with_changes(comma=element_separator(node)), *node.elements])


def ending_like(comma: cst.Comma | cst.MaybeSentinel, like: cst.Comma) -> cst.Comma:
    """`comma` (with its comments) ending where `like` does: same next-line indentation (no
    comma when `like` is none: the last element of a literal without a trailing comma)."""
    if not isinstance(comma, cst.Comma) or not isinstance(like, cst.Comma):
        return like
    whitespace, target = comma.whitespace_after, like.whitespace_after
    if isinstance(whitespace, cst.ParenthesizedWhitespace) and isinstance(target, cst.ParenthesizedWhitespace):
        return comma.with_changes(whitespace_after=whitespace.with_changes(last_line=target.last_line))
    return like


def _without_comments(comma: _MaybeComma) -> _MaybeComma:
    if isinstance(comma, cst.Comma):
        return comma.with_changes(whitespace_after=_without_comments_ws(comma.whitespace_after))
    return comma


def _without_comments_ws(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return whitespace


def _has_comments(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    return isinstance(whitespace, cst.ParenthesizedWhitespace) and (
        whitespace.first_line.comment is not None or any(line.comment is not None for line in whitespace.empty_lines)
    )


def dedent(node: _Node, spaces: int) -> _Node:
    """`node` with every line break inside it indented `spaces` less (strings are left alone)."""
    return _dedented(node, _Dedent(spaces)) if spaces > 0 else node


def _dedented(node: _Node, dedent: _Dedent) -> _Node:
    """What `node.visit(dedent)` returns, without LibCST's visitor: only the branches holding
    a line break are rebuilt."""
    if type(node) is cst.ParenthesizedWhitespace:  # (it holds no other)
        assert isinstance(node, cst.ParenthesizedWhitespace)  # (mypy does not narrow a TypeVar by `type() is`)
        return dedent.leave_ParenthesizedWhitespace(node, node)
    return with_children(node, all_field_names(type(node)), lambda child: _dedented(child, dedent))


class _Dedent(cst.CSTTransformer):
    def __init__(self, spaces: int) -> None:
        self.spaces = spaces

    def _shift(self, whitespace: cst.SimpleWhitespace) -> cst.SimpleWhitespace:
        value = whitespace.value
        cut = min(self.spaces, len(value) - len(value.lstrip(" ")))
        return whitespace.with_changes(value=value[cut:])

    def leave_ParenthesizedWhitespace(
        self, original_node: cst.ParenthesizedWhitespace, updated_node: _Whitespace
    ) -> _Whitespace:
        return updated_node.with_changes(
            empty_lines=[
                line.with_changes(whitespace=self._shift(line.whitespace)) for line in updated_node.empty_lines
            ],
            last_line=self._shift(updated_node.last_line),
        )


def indentation(node: cst.List | cst.Dict) -> int | None:
    """How far the first element of a multi-line literal is indented (None: one line)."""
    opening = node.lbracket if isinstance(node, cst.List) else node.lbrace
    whitespace = opening.whitespace_after
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return len(whitespace.last_line.value)
    return None


def fill(code: str, **values: cst.BaseExpression) -> cst.BaseExpression:
    """`code` parsed, with each UPPERCASE placeholder name replaced by the node given for it.

    `fill('RESULT.output', RESULT=node)` keeps `node` exactly as it is (edits included).
    """

    filled = replace_names(_template(code), values)
    assert isinstance(filled, cst.BaseExpression)  # an expression with expressions put in
    return filled


@functools.lru_cache(maxsize=512)
def _template(code: str) -> cst.BaseExpression:
    # Nodes are immutable, so one parse of each template serves every file.
    return cst.parse_expression(code)


def keep_parens(old: cst.BaseExpression, new: cst.BaseExpression) -> cst.BaseExpression:
    """`new` with the parentheses that were written around `old`, if any."""
    if getattr(old, "lpar", None) and hasattr(new, "lpar"):
        return new.with_changes(lpar=old.lpar, rpar=old.rpar)
    return new


def descend(node: cst.BaseExpression, steps: int) -> cst.BaseExpression:
    """The expression `steps` accesses below `node` (`a.b[0].c` two steps down is `a.b`)."""
    for _ in range(steps):
        if isinstance(node, cst.Call):
            node = node.func
        else:
            assert isinstance(node, (cst.Attribute, cst.Subscript))  # an access
            node = node.value
    return node


def fill_statements(code: str, module: cst.Module, **values: cst.BaseExpression) -> list[cst.BaseStatement]:
    """Statements of `code` (written with 4-space indents) in `module`'s indent style, with
    each UPPERCASE placeholder name replaced by the node given for it."""

    code = code.replace("    ", module.default_indent)
    statements = []
    for statement in cst.parse_module(code, module.config_for_parsing).body:
        filled = replace_names(statement, values)
        assert isinstance(filled, cst.BaseStatement)  # names replaced inside, not the statement
        statements.append(filled)
    return statements


LINE_LIMIT = 120


def line_layout(tree: SourceTree, node: cst.CSTNode) -> tuple[int, int, int]:
    """Where `node` starts: its column, its statement's indentation, and the indentation of its
    line relative to that statement (what LibCST's parenthesized whitespace is relative to)."""
    line, column = tree.position(node)
    statement = tree.enclosing(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) or node
    block = tree.position(statement)[1] - 1
    text = tree.line(line)
    return column - 1, block, len(text) - len(text.lstrip(" ")) - block


def fit(node: cst.BaseExpression, column: int, block: int, indent: int, limit: int = LINE_LIMIT) -> cst.BaseExpression:
    """A one-line list or dict literal that would run past `limit`, one element per line
    (and its elements likewise); `column`, `block`, `indent` are as `line_layout` gives them.
    In a literal already laid out one element per line, the one-line elements are fitted."""
    if not isinstance(node, (cst.List, cst.Dict)) or not node.elements:
        return node
    laid_out = indentation(node)
    if laid_out is not None:
        return node.with_changes(elements=[_fit_element(e, block, laid_out, limit) for e in node.elements])
    if column + len(bare_code(node)) + 1 <= limit:
        return node
    inner = indent + 4
    elements = [
        _fit_element(e, block, inner, limit).with_changes(comma=cst.Comma(whitespace_after=_line_break(inner)))
        for e in node.elements
    ]
    elements[-1] = elements[-1].with_changes(comma=cst.Comma(whitespace_after=_line_break(indent)))
    if isinstance(node, cst.List):
        return node.with_changes(elements=elements, lbracket=cst.LeftSquareBracket(whitespace_after=_line_break(inner)))
    return node.with_changes(elements=elements, lbrace=cst.LeftCurlyBrace(whitespace_after=_line_break(inner)))


def _fit_element(element: _LiteralElement, block: int, indent: int, limit: int) -> _LiteralElement:
    """A one-line list or dict element on its own line at `indent`, fitted."""
    if not isinstance(element, (cst.Element, cst.DictElement)) or not isinstance(element.value, (cst.List, cst.Dict)):
        return element
    if indentation(element.value) is not None:
        return element  # already laid out by hand
    key = len(bare_code(element.key)) + 2 if isinstance(element, cst.DictElement) else 0
    return element.with_changes(value=fit(element.value, block + indent + key, block, indent, limit))


def _line_break(indent: int) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(indent=True, last_line=cst.SimpleWhitespace(" " * indent))


def parenthesize_unless_whole(tree: SourceTree, old: cst.BaseExpression, new: cst.BaseExpression) -> cst.BaseExpression:
    """`new` (an `and` / `or` expression replacing `old`) in parentheses, unless `old` stands where a
    whole expression goes anyway (a statement, an argument, a test) or was parenthesized already."""
    if getattr(old, "lpar", None):
        return keep_parens(old, new)
    parent = tree.parent(old)
    whole = (
        (isinstance(parent, (cst.Assign, cst.AnnAssign, cst.Return, cst.Expr)) and parent.value is old)
        or (isinstance(parent, (cst.If, cst.While, cst.Assert)) and parent.test is old)
        or (isinstance(parent, cst.Arg) and parent.value is old and not parent.star)
        or (isinstance(parent, (cst.Element, cst.DictElement)) and parent.value is old)
        or isinstance(parent, cst.FormattedStringExpression)
    )
    if whole:
        return new
    return new.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
