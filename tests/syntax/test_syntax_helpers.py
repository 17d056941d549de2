"""Shared helpers whose fast paths must give what LibCST itself would."""

from __future__ import annotations

import libcst as cst
import pytest

from migrator.syntax import literal_string, string_value

LITERALS = [
    '"role"',
    "'content'",
    '""',
    "''",
    '"""triple"""',
    "'''triple'''",
    '""""""',
    '"""a "quoted" word"""',
    '"it\'s"',
    "'say \"hi\"'",
    r'"tab\there"',
    r'"\N{BULLET}"',
    r"'\''",
    'r"raw\\d"',
    'b"bytes"',
    'rb"\\x00"',
    'u"unicode"',
    '"""two\r\nlines"""',
    '"""two\nlines"""',
    '"ünïcödé"',
]


@pytest.mark.parametrize("code", LITERALS)
def test_string_value_is_what_libcst_evaluates(code: str):
    node = cst.parse_expression(code)
    assert isinstance(node, cst.SimpleString)
    assert string_value(node) == node.evaluated_value
    assert type(string_value(node)) is type(node.evaluated_value)


def test_literal_string_is_none_for_bytes_and_other_expressions():
    assert literal_string(cst.parse_expression('b"x"')) is None
    assert literal_string(cst.parse_expression("name")) is None
    assert literal_string(cst.parse_expression('"a" "b"')) == "ab"


def test_node_types_are_classified_as_issubclass_would():
    """`nodes._is_node_type` reads the MRO instead of asking LibCST's ABC (see there): the same
    answer for every class LibCST exports, against `CSTNode` and against the trivia classes."""
    from migrator.syntax import nodes

    classes = [value for value in vars(cst).values() if isinstance(value, type)]
    trivia = tuple(
        c
        for c in classes
        if issubclass(c, cst.CSTNode) and c.__module__ in ("libcst._nodes.whitespace", "libcst._nodes.op")
    )
    assert nodes._TRIVIA == trivia
    for cls in classes:
        assert nodes._is_node_type(cls, (cst.CSTNode,)) == issubclass(cls, cst.CSTNode), cls
        assert nodes._is_node_type(cls, trivia) == issubclass(cls, trivia), cls
