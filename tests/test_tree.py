"""`SourceTree`: the code of the edited module reuses the code of every statement no edit touched."""

from __future__ import annotations

import libcst as cst
import pytest

from migrator._tree import SourceTree

SOURCE = """\
import os


def main():
    # a comment above
    first = os.getenv("A")
    if first:
        second = first.upper()  # kept
        for letter in second:
            print(letter)
    else:
        print(  "spaced"  )
    return first


class Holder:
    value = 1
"""


def _call_named(tree: SourceTree, name: str) -> cst.Call:
    return next(c for c in tree.nodes(cst.Call) if isinstance(c.func, cst.Name) and c.func.value == name)


def _rename(new_name: str):
    return lambda call: call.with_changes(func=cst.Name(new_name))


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("indent", ["    ", "\t"])
def test_edited_code_is_libcsts_code_of_the_edited_module(newline, indent):
    source = SOURCE.replace("    ", indent).replace("\n", newline)
    tree = SourceTree(cst.parse_module(source))
    tree.edit(_call_named(tree, "print"), _rename("show"))  # the first print: three blocks deep
    assert tree.edited_code() == tree.edited_module().code
    assert tree.edited_code() == source.replace("print(letter)", "show(letter)", 1)


def test_a_statement_moved_to_another_indentation_is_generated_again():
    tree = SourceTree(cst.parse_module(SOURCE))
    function = tree.nodes(cst.FunctionDef)[0]
    first = function.body.body[0]

    def wrap_first_in_a_block(body: cst.IndentedBlock) -> cst.IndentedBlock:
        block = cst.If(test=cst.Name("True"), body=cst.IndentedBlock([first]))
        return body.with_changes(body=[block, *body.body[1:]])

    tree.edit(function.body, wrap_first_in_a_block)
    assert tree.edited_code() == tree.edited_module().code
    assert '    if True:\n        # a comment above\n        first = os.getenv("A")\n' in tree.edited_code()


def test_statements_no_edit_touched_are_not_generated_again(monkeypatch):
    tree = SourceTree(cst.parse_module(SOURCE))
    tree.edit(_call_named(tree, "print"), _rename("show"))
    tree.unedited_code  # the positions pass, which notes the code of every statement
    generated = []
    own = cst.SimpleStatementLine._codegen_impl

    def noted(self, state):
        generated.append(self)
        own(self, state)

    monkeypatch.setattr(cst.SimpleStatementLine, "_codegen_impl", noted)
    code = tree.edited_code()
    monkeypatch.undo()
    generated = [cst.Module([]).code_for_node(line).strip() for line in generated]
    assert "show(letter)" in code
    # Only the edited line is generated again; its neighbours in the same edited blocks
    # (`first = ...`, `second = ...`, `return first`, the `else` branch) are reused.
    assert generated == ["show(letter)"]


SHAPES = """\
def run(mode):
    try:
        value = first(mode)
    except ValueError:
        value = second(  mode  )  # kept
    else:
        third()
    finally:
        fourth()
    match mode:
        case "a":
            fifth()
        case _:
            sixth()
    while mode:
        seventh()
    else:
        eighth()
    if mode:
        ninth()
    elif mode is None:
        tenth()
    else:
        eleventh()
    with open(mode) as handle, other():
        twelfth(handle)
    for item in mode:
        thirteenth(item)
    else:
        fourteenth()
    return value
"""
SHAPE_CALLS = [line.split("(")[0].split()[-1] for line in SHAPES.splitlines() if line.strip().endswith(")")]


@pytest.mark.parametrize("name", [n for n in SHAPE_CALLS if n not in ("open", "other", "run")])
def test_an_edit_in_any_kind_of_block_gives_libcsts_code(name):
    """try / except / else / finally, match / case, while / else, if / elif / else, with, for / else:
    an edit in any one block; the blocks around it, rebuilt, reuse their statements' code."""
    tree = SourceTree(cst.parse_module(SHAPES))
    tree.edit(_call_named(tree, name), _rename("changed"))
    assert tree.edited_code() == tree.edited_module().code == SHAPES.replace(f"{name}(", "changed(", 1)
