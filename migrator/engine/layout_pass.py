"""How rewritten code is laid out: hand-written looking, and nothing else touched.

Two passes, both after the rules' edits:

- `relayout` (on unless the new code is not shown, as in `check`; `Settings.line_length`, 88
  unless the project's black or migrator configuration says otherwise): a statement the
  rewrite changed whose longest line is now past the line length, and longer than its longest
  line was (a line the user already had that long is their style), is formatted by black alone: that statement, dedented, then put back at its
  indentation. Black's string normalization is off, so quotes stay as the user wrote them. Every
  other statement, the comments above it included, keeps its bytes. Of a compound statement
  (`for`, `while`, `with`, `if`) only the header line is laid out, the same way: its body keeps
  its own lines. Statements a rule inserts in place of another are the rule's to lay out.
- `format_file` (`--black`): the whole changed file through black, with the black configuration
  black itself would use for that file (the nearest `pyproject.toml` with `[tool.black]`).

black takes about a tenth of a second to import, so it is imported where a statement needs it
(each function below that calls it imports it): most rewrites fit their lines and never do.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import libcst as cst

from migrator.syntax import SourceTree, code_for_node, tokens_for_node

if TYPE_CHECKING:
    import black

#: black needs some room; statements nested deeper than this leaves are not laid out.
_MIN_WIDTH = 20
#: Compound statements whose header line is laid out (their body is put back as it is).
_HEADERS_LAID_OUT = (cst.For, cst.While, cst.With, cst.If)


def relayout(tree: SourceTree, edited: Iterable[cst.CSTNode], line_length: int) -> None:
    """Register, after every other edit, a layout edit on each simple statement an edit touched."""
    statements = {statement for node in edited if (statement := _simple_statement(tree, node)) is not None}
    for statement in statements:
        indent = tree.indentation(statement)
        tree.edit(
            statement,
            lambda new, old=statement, indent=indent: _laid_out(new, old, indent, line_length, tree),
        )


def _simple_statement(
    tree: SourceTree, node: cst.CSTNode
) -> cst.SimpleStatementLine | cst.BaseCompoundStatement | None:
    """The statement line `node` is part of, or the compound statement whose header it is in
    (None for a header that is not laid out)."""
    for candidate in (node, *tree.ancestors(node)):
        if isinstance(candidate, cst.SimpleStatementLine):
            return candidate
        if isinstance(candidate, cst.BaseCompoundStatement):
            return candidate if isinstance(candidate, _HEADERS_LAID_OUT) else None
    return None


def _render(statement: cst.CSTNode, indent: list[str], module: cst.Module) -> str:
    """The statement's code exactly as it is printed at that indentation (without the lines above it)."""
    return "".join(_tokens(statement, indent, module))


def _tokens(statement: cst.CSTNode, indent: list[str], module: cst.Module) -> list[str]:
    return tokens_for_node(statement.with_changes(leading_lines=()), module, indent)


def _longest_line(statement: cst.CSTNode, indent: list[str], module: cst.Module) -> int:
    return _longest(_render(statement, indent, module))


def _longest_unedited(tree: SourceTree, statement: cst.SimpleStatementLine, indent: list[str]) -> int:
    """`_longest_line` of a statement of the module as parsed, read from the tree's code."""
    try:
        code = tree.statement_code(statement)
    except KeyError:  # not a statement of the module
        return _longest_line(statement, indent, tree.module)
    return _longest("".join(indent) + code)


def _longest(code: str) -> int:
    return max((len(line.rstrip("\r")) for line in code.split("\n")), default=0)


def _laid_out(new: cst.CSTNode, old: cst.CSTNode, indent: list[str], line_length: int, tree: SourceTree) -> cst.CSTNode:
    if isinstance(new, _HEADERS_LAID_OUT) and isinstance(old, _HEADERS_LAID_OUT) and type(new) is type(old):
        return _laid_out_header(new, old, indent, line_length, tree.module)
    if not isinstance(new, cst.SimpleStatementLine) or not isinstance(old, cst.SimpleStatementLine):
        return new
    module = tree.module
    tokens = _tokens(new, indent, module)
    # `new` unchanged comes back as `tree.rendered(...)`: the code of the edited module reuses
    # this rendering of it instead of generating it again.
    rendered = "".join(tokens)
    longest = _longest(rendered)
    if longest <= line_length or longest <= _longest_unedited(tree, old, indent):
        return tree.rendered(new, indent, tokens)  # fits, or was already this long in the user's own code
    prefix = "".join(indent)
    width = line_length - len(prefix)
    if width < _MIN_WIDTH:
        return tree.rendered(new, indent, tokens)
    import black  # (see the module's docstring)

    one_line = _one_line_code(new, rendered, prefix, module.default_newline)
    if one_line is not None:
        try:
            formatted = formatted_by_black(one_line, width)
        except black.InvalidInput:
            return new
        # Every line of black's layout of a one-line statement starts outside any string, so at
        # the statement's indentation each is that indentation and the line, as LibCST would print
        # the parsed layout (parsing it to print it would cost more than black). The line break is
        # a token of its own, as LibCST makes it: a module without a final one drops the last token.
        lines = [token for line in formatted.splitlines() for token in (prefix + line, module.default_newline)]
        return tree.rendered(new, indent, lines)
    code = code_for_node(new.with_changes(leading_lines=()), _BLACK_INPUT)
    try:
        formatted = formatted_by_black(code, width)
        laid_out = cst.parse_statement(formatted.replace("\n", module.default_newline), module.config_for_parsing)
    except (black.InvalidInput, cst.ParserSyntaxError, ValueError):
        return new
    if not isinstance(laid_out, cst.SimpleStatementLine):
        return new
    return laid_out.with_changes(leading_lines=new.leading_lines)


def _one_line_code(statement: cst.SimpleStatementLine, rendered: str, prefix: str, newline: str) -> str | None:
    """The statement's code for black, from its rendering at its indentation `prefix`, when it is
    a single statement on one line without a comment or a backslash; else None."""
    if len(statement.body) != 1 or not rendered.startswith(prefix) or not rendered.endswith(newline):
        return None
    code = rendered[len(prefix) : len(rendered) - len(newline)]
    return code + "\n" if _plain_line(code) else None


def _plain_line(code: str) -> bool:
    """One line, without a comment or a backslash (`#` or `\\` inside a string count too)."""
    return not any(character in code for character in "\r\n#\\")


#: The statement goes to black as the code of a module of its own, with LibCST's default
#: indentation and line breaks.
_BLACK_INPUT = cst.Module(body=[])


def _format_once(code: str, mode: black.Mode) -> str:
    """black's single formatting pass (`format_str` is this, run a second time whenever the
    first changed the text); private to black, so looked up with `format_str` to fall back on."""
    import black

    one_pass: Callable[..., str] = getattr(black, "_format_str_once", black.format_str)
    return one_pass(code, mode=mode)


#: The narrowest width at which one pass is trusted (see `formatted_by_black`).
ONE_PASS_MIN_WIDTH = 40


def formatted_by_black(code: str, width: int, header: bool = False) -> str:
    """black's layout of one statement (`code`, ending in a newline; with `header`, a compound
    statement's header line over a `pass` body) at `width`, strings left as they are.

    `black.format_str` formats a second time whenever its first pass changed the text, to settle
    the rare layouts its first pass leaves unstable; that doubles black's share of a rewrite. For
    a statement on one line without comments, at `ONE_PASS_MIN_WIDTH` or wider, the first pass is
    final: every such statement of the standard library and of a site-packages holding the openai
    SDK (79,524 of them) came out of one pass as out of two at widths 40 and 60 (at width 20, 28
    did not: a right-hand side left in parentheses on one line). Anything else gets both passes."""
    import black

    mode = _statement_mode(width)
    statement = code.split("\n", 1)[0] if header else code.rstrip("\n")
    if width < ONE_PASS_MIN_WIDTH or not _plain_line(statement) or "#" in code:
        return black.format_str(code, mode=mode)
    return _format_once(code, mode=mode)


@functools.lru_cache(maxsize=None)
def _statement_mode(width: int) -> black.Mode:
    # One Mode per width: black's caches keyed by the mode then find it by identity, not by
    # comparing every field (about 5% of a black call).
    import black

    return black.Mode(line_length=width, string_normalization=False)


def _header_only(statement: cst.BaseCompoundStatement) -> cst.BaseCompoundStatement:
    """The statement with `pass` for a body and no `else`: its header, as black would see it."""
    changes = {"body": cst.IndentedBlock([cst.SimpleStatementLine([cst.Pass()])]), "leading_lines": ()}
    if hasattr(statement, "orelse"):
        changes["orelse"] = None
    return statement.with_changes(**changes)


def _laid_out_header(
    new: cst.BaseCompoundStatement,
    old: cst.BaseCompoundStatement,
    indent: list[str],
    line_length: int,
    module: cst.Module,
) -> cst.BaseCompoundStatement:
    header = _header_only(new)
    longest = _longest_line(header, indent, module)
    if longest <= line_length or longest <= _longest_line(_header_only(old), indent, module):
        return new
    width = line_length - len("".join(indent))
    if width < _MIN_WIDTH:
        return new
    import black

    try:
        formatted = formatted_by_black(code_for_node(header, _BLACK_INPUT), width, header=True)
        laid_out = cst.parse_statement(formatted.replace("\n", module.default_newline), module.config_for_parsing)
    except (black.InvalidInput, cst.ParserSyntaxError, ValueError):
        return new
    if type(laid_out) is not type(new):
        return new
    changes = {"body": new.body, "leading_lines": new.leading_lines}
    if hasattr(new, "orelse"):
        changes["orelse"] = new.orelse
    return laid_out.with_changes(**changes)


# --- --black -----------------------------------------------------------------------------------


def format_file(source: str, filename: str) -> str:
    """`source` formatted by black as the file's project configures it; unchanged if black refuses.
    Notebooks are left as they are: their cells come joined into one module, and black would move
    the lines between them."""
    if filename.endswith(".ipynb"):
        return source
    import black

    mode = black_mode(_config_path(filename))
    newline = "\r\n" if "\r\n" in source else "\n"
    try:
        formatted = black.format_str(source.replace("\r\n", "\n"), mode=mode)
    except black.InvalidInput:
        return source
    return formatted.replace("\n", newline)


def _config_path(filename: str) -> str | None:
    import black

    start = filename if Path(filename).exists() else str(Path.cwd())
    try:
        return black.find_pyproject_toml((start,))
    except (OSError, ValueError):
        return None


def black_config(path: str | None) -> dict[str, Any]:
    """black's own reading of a pyproject.toml (`line_length`, `target_version`, ...): its
    `[tool.black]` table as parsed TOML, values as the file has them (so Any)."""
    if path is None:
        return {}
    try:
        return _parsed_black_config(path, os.stat(path).st_mtime_ns)
    except (OSError, ValueError):
        return {}


@functools.lru_cache(maxsize=64)
def _parsed_black_config(path: str, mtime_ns: int) -> dict[str, Any]:
    import black

    return black.parse_pyproject_toml(path)


def black_mode(path: str | None) -> black.Mode:
    import black

    config = black_config(path)
    known = black.TargetVersion.__members__
    versions = {known[v.upper()] for v in config.get("target_version", ()) if v.upper() in known}
    return black.Mode(
        target_versions=versions,
        line_length=config.get("line_length", black.DEFAULT_LINE_LENGTH),
        string_normalization=not config.get("skip_string_normalization", False),
        magic_trailing_comma=not config.get("skip_magic_trailing_comma", False),
        skip_source_first_line=config.get("skip_source_first_line", False),
        preview=config.get("preview", False),
    )
