"""Guards around LibCST's round trip: what it cannot parse safely, and what it loses.

LibCST's native parser crashes the whole process (a C stack overflow, not an exception) on
nesting Python refuses anyway, so `check_nesting` asks Python's parser first. And LibCST does
not always give back every character it was not asked to change (blank and comment lines after
the last statement when line endings are mixed, the space in `except X :`), so
`keep_what_libcst_lost` carries a rewrite's edits over to the file's own lines. The engine
calls both for every file and notebook it parses.
"""

from __future__ import annotations

import ast
import difflib
import re
import warnings

import libcst as cst


class SourceError(Exception):
    """The input cannot be migrated: it does not parse."""


class InternalError(Exception):
    """A rule produced code that does not parse; nothing was changed."""


#: The longest `and` / `or` chain handed to LibCST. It nests one level per operand (Python's own
#: parser does not), and its native parser overflows the C stack at about 8000.
MAX_BOOLEAN_OPERANDS = 1000
_BOOLEAN_WORD = re.compile(r"\b(?:and|or)\b")
#: Python's words for nesting it refuses ("too many nested parentheses", "... nested too deeply").
_NESTING_ERROR = re.compile(r"too many nested|nested too deeply|too complex")
NESTED_TOO_DEEPLY = "the code is nested too deeply to parse"


def _python_parse(text: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like: not ours to report
        return ast.parse(text)


def _syntax_error_message(error: SyntaxError) -> str:
    return (f"line {error.lineno}, column {error.offset}: " if error.lineno else "") + error.msg


def check_nesting(text: str) -> ast.Module | None:
    """`SourceError` when `text` is nested deeper than LibCST can parse without crashing;
    else Python's own tree of it (None when Python cannot parse it: LibCST may, or report why).

    LibCST's native parser overflows the C stack (a segfault that ends the whole run, not an
    exception) on nesting Python itself refuses, such as 2000 nested parentheses or 20000 `-`
    signs in a row, and on very long `and` / `or` chains. Python's parser refuses the former
    quickly and safely, so it looks first; other syntax errors are left to the engine to report.
    """
    try:
        tree = _python_parse(text)
    except SyntaxError as error:
        if _NESTING_ERROR.search(error.msg):
            raise SourceError(_syntax_error_message(error)) from None
        return None
    except (RecursionError, MemoryError):
        raise SourceError(NESTED_TOO_DEEPLY) from None
    except ValueError:  # NUL bytes: decode() refuses them before this
        return None
    if len(_BOOLEAN_WORD.findall(text)) <= MAX_BOOLEAN_OPERANDS:
        return tree  # the usual case: no chain can be that long
    for node in ast.walk(tree):
        if isinstance(node, ast.BoolOp) and len(node.values) > MAX_BOOLEAN_OPERANDS:
            raise SourceError(
                f"line {node.lineno}: an `and` / `or` chain of {len(node.values)} operands "
                f"(migrator parses at most {MAX_BOOLEAN_OPERANDS})"
            )
    return tree


def python_parses(source: str) -> bool:
    """Whether Python's own parser reads `source` (a rewrite's result, a notebook cell)."""
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return False
    return True


def python_cannot_parse(text: str) -> str | None:
    """Why the Python running migrator cannot parse `text` (None when it can)."""
    try:
        _python_parse(text)
    except SyntaxError as error:
        return _syntax_error_message(error)
    except (RecursionError, MemoryError):
        return NESTED_TOO_DEEPLY
    except ValueError as error:  # NUL bytes (3.11); decoding refuses them before this
        return str(error)
    return None


def keep_what_libcst_lost(old: str, new: str, round_trip: str | None = None) -> str:
    """`new`, a rewrite of `old`, with what LibCST lost by itself put back (`round_trip`: the
    code of LibCST's unedited tree of `old`, when the caller has it).

    LibCST should give back every character it was not asked to change, but does not always:
    it drops blank and comment lines at the end of a file whose line endings are mixed (or a
    last lone CR), and the space in `except X :`. So when a file changes, its unedited round
    trip is compared with it, and when they differ, the rewrite's edits are carried over to
    the file's own lines; an edit that touches a line LibCST did not give back exactly makes
    the file an error instead (`SourceError`), never a silent loss.
    """
    new = with_footer_of(old, new)
    if new == old:
        return new
    base = with_footer_of(old, cst.parse_module(old).code if round_trip is None else round_trip)
    if base == old:
        return new  # the usual case: LibCST reproduces the file exactly
    if new == base:
        return old  # LibCST alone changed it, no rule did
    merged, line = _carry_over(old, base, new)
    if merged is None:
        raise SourceError(
            f"line {line}: LibCST does not give this line back exactly, and the rewrite is next to it; "
            "the file was left as it was"
        )
    if python_cannot_parse(merged) is not None:
        raise InternalError("the rewrite could not be carried over to the file as written; it was left as it was")
    return merged


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _carry_over(old: str, base: str, new: str) -> tuple[str | None, int]:
    """Apply the edits from `base` (LibCST's round trip of `old`) to `new` onto `old` itself.
    (None, the first line LibCST did not give back) when an edit touches such a line."""
    old_lines, base_lines, new_lines = _LINE.findall(old), _LINE.findall(base), _LINE.findall(new)
    kept = difflib.SequenceMatcher(None, base_lines, old_lines, autojunk=False).get_opcodes()
    in_old = {i1 + k: j1 + k for tag, i1, i2, j1, _ in kept if tag == "equal" for k in range(i2 - i1)}
    first_lost = next(j1 for tag, _, _, j1, _ in kept if tag != "equal") + 1
    lines = list(old_lines)
    edits = difflib.SequenceMatcher(None, base_lines, new_lines, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in reversed(edits):
        if tag == "equal":
            continue
        if i1 == i2:  # an insertion: before base line i1, or after the last one
            if i1 in in_old:
                start = end = in_old[i1]
            elif i1 - 1 in in_old:
                start = end = in_old[i1 - 1] + 1
            else:
                return None, first_lost
        elif all(i in in_old for i in range(i1, i2)) and in_old[i2 - 1] - in_old[i1] == i2 - 1 - i1:
            start, end = in_old[i1], in_old[i2 - 1] + 1
        else:
            return None, first_lost
        lines[start:end] = new_lines[j1:j2]
    return "".join(lines), first_lost


_LINE_PIECE = re.compile(r"\r\n|\r|\n|[^\r\n]+")


def _split_footer(text: str) -> tuple[str, str]:
    """`text` as (code, footer): the footer is the line break after the last line of code and
    the blank and comment-only lines after that."""
    end = len(text)
    while end > 0:
        brk = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end))
        line = text[brk + 1 : end].strip(" \t\f")
        if line and not line.startswith("#"):
            break
        if brk < 0:
            return "", text
        end = brk - 1 if text[brk] == "\n" and text[brk - 1 : brk] == "\r" else brk
    return text[:end], text[end:]


def with_footer_of(old: str, new: str) -> str:
    """`new` with the footer of `old` when LibCST lost part of it.

    LibCST does not always give back the blank and comment lines after a file's last statement
    when their line endings are mixed, or the file ends in a lone CR (old Mac style): it drops
    some. No rule edits those lines, so when `new`'s footer is `old`'s with pieces missing, the
    pieces are put back; any other difference is a rule's and stays.
    """
    new_code, new_footer = _split_footer(new)
    old_footer = _split_footer(old)[1]
    if new_footer == old_footer:
        return new
    remaining = iter(_LINE_PIECE.findall(old_footer))
    if all(any(piece == old_piece for old_piece in remaining) for piece in _LINE_PIECE.findall(new_footer)):
        return new_code + old_footer
    return new
