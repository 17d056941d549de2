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
        "x = a()\nfor i in r:\n    x.read\n    x = b()\n",  # the later one comes round again
        "x = a()\ntry:\n    x = b()\nexcept E:\n    x.read\n",  # either, by where it failed
        "x = a()\nwith c:\n    x = b()\nx.read\n",  # a block that assigns it on the way
    ],
)
def test_where_the_order_does_not_decide_nothing_is_said(code):
    assert reads_and_bindings(code) == [None]


def test_in_the_body_of_a_loop_over_it_a_read_sees_the_loop_variable():
    code = """
    for x in a:
        x.read
    for x in b:
        if c:
            x.read
    else:
        x.read
    """
    assert reads_and_bindings(code) == [2, 4, None]


def test_the_nearest_assignment_before_it_in_its_own_block_wins():
    assert reads_and_bindings("for i in r:\n    x = a()\n    x.read\n    x = b()\n") == [2]
    assert reads_and_bindings("x = a()\nx.read\nfor x in r:\n    pass\n") == [1]
    assert reads_and_bindings("for x in a:\n    x = f(x)\n    x.read\nfor x in b:\n    pass\n") == [2]
