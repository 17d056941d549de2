"""`migrator/syntax/codegen.py` is the one module that uses LibCST's internals: its code
generation state, and copies of two LibCST methods with one change each. These tests fail
loudly when a LibCST release changes what it relies on (pyproject.toml bounds the version too):
then read the new LibCST code, carry its change into codegen.py, and update the digests here."""

from __future__ import annotations

import hashlib
import inspect

import libcst as cst
from libcst._nodes.internal import CodegenState

#: sha256 (first 16 hex digits) of LibCST's `IndentedBlock._codegen_impl`, which codegen.py's
#: SplicedBlock copies with one change, as LibCST 1.9 writes it.
COPIED = {"IndentedBlock._codegen_impl": (cst.IndentedBlock._codegen_impl, "cf69094634454c52")}
#: What the code generation state must offer.
STATE_MEMBERS = (
    "tokens",
    "indent_tokens",
    "default_indent",
    "default_newline",
    "add_token",
    "add_indent_tokens",
    "increase_indent",
    "decrease_indent",
    "pop_trailing_newline",
    "record_syntactic_position",
    "before_codegen",
    "after_codegen",
)


def digest(function) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def test_the_copied_indented_block_codegen_is_libcsts_own():
    function, expected = COPIED["IndentedBlock._codegen_impl"]
    assert digest(function) == expected, "LibCST changed IndentedBlock._codegen_impl: update SplicedBlock"


def test_the_module_codegen_ends_as_finish_module_does():
    source = inspect.getsource(cst.Module._codegen_impl)
    assert "if self.has_trailing_newline:" in source and "state.pop_trailing_newline()" in source


def test_the_codegen_state_offers_what_codegen_py_uses():
    state = CodegenState(default_indent="    ", default_newline="\n")
    missing = [name for name in STATE_MEMBERS if not hasattr(state, name)]
    assert not missing, f"LibCST's CodegenState no longer has {missing}"


def test_every_node_generates_through_codegen():
    """`index_module` and `splice` call `node._codegen(state)` on the module's statements."""
    module = cst.parse_module("x = 1\n")
    assert callable(getattr(module.body[0], "_codegen", None))
