"""`SourceTree`: the code of the edited module reuses the code of every statement no edit touched."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from migrator.syntax import SourceTree

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


def _wrapped(source: str) -> dict[str, str]:
    """`source` as it is, and the statements after its imports inside blocks of each kind."""
    statements = ast.parse(source).body
    first = next(
        min([s.lineno, *(d.lineno for d in getattr(s, "decorator_list", ()))])
        for s in statements
        if not isinstance(s, (ast.Import, ast.ImportFrom))
    )
    lines = source.splitlines(True)
    imports, rest = "".join(lines[: first - 1]), lines[first - 1 :]
    body = "".join("    " + line if line.strip() else line for line in rest)
    deeper = "".join("    " + line if line.strip() else line for line in body.splitlines(True))
    return {
        "as is": source,
        "if": imports + "if True:\n" + body,
        "try": imports + "try:\n" + body + "except* ValueError:\n    pass\nelse:\n    pass\nfinally:\n    pass\n",
        "match": imports + "match 1:\n    case _:\n" + deeper,
        "class": imports + "class Holder:\n" + body,
    }


def test_the_code_of_every_migrated_fixture_is_libcsts_code_of_the_edited_module(monkeypatch):
    """Whatever the engine edits (every fixture, at the top level and inside blocks of each kind),
    the code put together from reused statements is what LibCST prints for the edited module.
    (No line length: a statement laid out by black is known by its text only.)"""
    from migrator.engine import migrate_source
    from migrator.settings import Settings

    own_code, own_module, checked = SourceTree.edited_code, SourceTree.edited_module, []
    edited = {}

    def once(self):  # (some rules' edits note what they remove: they must run once)
        if id(self) not in edited:
            edited[id(self)] = (self, own_module(self))
        return edited[id(self)][1]

    def checking(self):
        code = own_code(self)
        assert code == self.edited_module().code
        checked.append(code)
        return code

    monkeypatch.setattr(SourceTree, "edited_module", once)
    monkeypatch.setattr(SourceTree, "edited_code", checking)
    fixtures = Path(__file__).resolve().parents[2] / "fixtures"
    edited_by_kind = {}
    for before in sorted(fixtures.rglob("before.py")):
        for kind, text in _wrapped(before.read_text()).items():
            done = len(checked)
            migrate_source(text, Settings(line_length=None))
            edited_by_kind[kind] = edited_by_kind.get(kind, 0) + (len(checked) > done)
    assert min(edited_by_kind.values()) >= 10, edited_by_kind  # each kind of block has edits in it


# --- strings a rule writes inside f-strings -------------------------------------------------------


def _edited(source: str, old: str, new: str) -> str:
    tree = SourceTree(cst.parse_module(source))
    target = next(n for n in tree.names_valued(old))
    tree.edit(target, lambda _node: cst.parse_expression(new))
    return tree.edited_code()


def test_a_string_written_inside_an_fstring_takes_the_quote_that_does_not_close_it():
    assert _edited('print(f"{role}")\n', "role", '"assistant"') == "print(f\"{'assistant'}\")\n"
    assert _edited("print(f'{role}')\n", "role", "'assistant'") == "print(f'{\"assistant\"}')\n"
    # a triple-quoted f-string allows either; outside any f-string nothing changes
    assert _edited('print(f"""{role}""")\n', "role", '"assistant"') == 'print(f"""{"assistant"}""")\n'
    assert _edited("print(role)\n", "role", '"assistant"') == 'print("assistant")\n'


def test_a_string_that_cannot_change_its_quote_is_left_for_the_parse_check():
    # the other quote is in the string, or both quotes are taken by nested f-strings
    assert _edited('print(f"{role}")\n', "role", '"it\'s"') == 'print(f"{"it\'s"}")\n'
    assert _edited("print(f\"{f'{role}'}\")\n", "role", '"x"') == 'print(f"{f\'{"x"}\'}")\n'
