"""reaching_binding: the assignment a read sees, where the order of the code decides it."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from migrator.syntax import SourceTree, reaching_binding


def reads_and_bindings(code: str) -> list[int | None]:
    """For each read of `x`, the line of the assignment it sees (None: not decided)."""
    tree = SourceTree(cst.parse_module(textwrap.dedent(code)))
    found = []
    for name in tree.nodes(cst.Attribute):
        if isinstance(name.value, cst.Name) and name.value.value == "x" and name.attr.value == "read":
            binding = reaching_binding(tree, name.value)
            found.append(None if binding is None else tree.position(binding.node)[0])
    return found


def test_straight_line_code_each_read_sees_the_assignment_before_it():
    code = """
    x = a()
    x.read
    x = b()
    if x.read:
        x.read
    x = c(x.read)
    """
    assert reads_and_bindings(code) == [2, 4, 4, 4]


@pytest.mark.parametrize(
    "code",
    [
        "x = a()\nif c:\n    x = b()\nx.read\n",  # an assignment in a branch
        "x = a()\nx = b()\ndef f():\n    x.read\n",  # read when the function is called
        "for i in r:\n    x = a()\n    x.read\n    x = b()\n",  # the later one comes round again
        "x = a()\nx.read\nfor x in r:\n    pass\n",  # a loop variable is no plain assignment
    ],
)
def test_where_the_order_does_not_decide_nothing_is_said(code):
    assert reads_and_bindings(code) == [None]
