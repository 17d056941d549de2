"""Jupyter notebooks (`.ipynb`): migrate the code cells, leave everything else as it was.

All code cells are migrated together, as one module, because a notebook is one program: the
client is built in one cell, the call made in another and its result read in a third, and
the rewrite of a call is only safe together with the rewrite of those reads. Each cell ends
with a marker statement so the migrated module splits back into the same cells; findings and
diffs point into a cell (`nb.ipynb:cell 3:2:5`, counting every cell from 1, as editors do).

IPython syntax is not Python: `%magic` and `!shell` lines (also `x = !cmd`, `obj?`) are
masked with a placeholder statement before parsing and put back afterwards; `%%magic` cells
are not Python at all and are left out. Outputs, metadata and non-code cells are never read.

Plain `json`, not `nbformat`: nbformat re-serializes with its own layout (indent 1, sorted
keys), which would turn a one-line change into a whole-file diff for notebooks written by
other tools, and its validation adds nothing here. `json.loads` keeps key order; the layout
(indent, separators, ASCII escapes, trailing newline) is found by re-dumping the original
and comparing, so a notebook written by Jupyter (or any `json.dumps` style) changes only in
the lines of the cells that changed.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field

from migrator.engine import Result, SourceError, could_apply, migrate_source
from migrator.findings import Finding
from migrator.settings import Settings

_MARKER = "__migrator_cell_end_{}__"
_MARKER_LINE = re.compile(r"^__migrator_cell_end_(\d+)__\n", re.MULTILINE)
_PLACEHOLDER = "__migrator_magic_{}__"
_PLACEHOLDER_LINE = re.compile(r"^([ \t]*)__migrator_magic_(\d+)__[ \t]*$", re.MULTILINE)
#: Lines of IPython syntax: `%line magic`, `!shell`, `x = !cmd` / `x = %magic`, `obj?` / `?obj`.
_MAGIC_LINE = re.compile(r"[ \t]*(?:[%!]|[\w.]+[ \t]*=[ \t]*[%!]|\?{1,2}[\w.]+[ \t]*$|[\w.]+\?{1,2}[ \t]*$)")
_ERROR_POSITION = re.compile(r"^line (\d+), column (\d+): ")


class NotebookError(Exception):
    """The file is not a notebook we can migrate; the message says why, in a few words."""


@dataclass(frozen=True, order=True)
class CellFinding(Finding):
    """A finding inside a notebook: `line` and `column` count within cell number `cell`."""

    cell: int = 0


@dataclass
class Migrated:
    """One notebook's outcome: `result` on the JSON text, the bytes to write, per-cell diffs."""

    result: Result
    encoding: str = "utf-8"
    new_raw: bytes | None = None
    #: (`:cell N`, old cell source, new cell source) for every cell that changed.
    parts: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class _Cell:
    number: int  # 1-based, counting every cell
    cell: dict
    source: str
    masked: str
    magics: list[str]  # the original lines behind the placeholders, by placeholder number

    @property
    def text(self) -> str:
        """The masked source as it goes into the module: ending with a newline, for the marker."""
        return self.masked + "\n" if self.masked and not self.masked.endswith("\n") else self.masked


def decode(raw: bytes) -> tuple[str, str]:
    """Bytes → (JSON text, encoding); JSON is UTF-8, but a BOM or UTF-16 is kept as found."""
    encoding = json.detect_encoding(raw)
    if encoding == "utf-8" and raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    try:
        return raw.decode(encoding), encoding
    except UnicodeDecodeError:
        raise NotebookError(f"cannot decode as {encoding}") from None


def migrate_notebook(raw: bytes, settings: Settings, display: str = "<notebook>", project=None) -> Migrated:
    text, encoding = decode(raw)
    notebook = _load(text)
    cells = _code_cells(notebook)
    code = "\n".join(c.masked for c in cells)
    if not cells or not could_apply(code, settings, project=project):
        return Migrated(Result(text, text, parsed=False), encoding)
    module, lines = _module(cells)
    try:
        result = migrate_source(module, settings, display, project)
    except SourceError as error:
        raise NotebookError(_syntax_error(cells) or _cell_error(str(error), lines)) from None
    findings = [_in_cell(f, lines) for f in result.findings]
    if not result.changed:
        return Migrated(Result(text, text, findings), encoding)
    parts = _split_back(result.new_source, cells)
    new_text = dump_like(notebook, text)
    return Migrated(Result(text, new_text, findings), encoding, new_text.encode(encoding), parts)


def _load(text: str) -> dict:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError("not a Jupyter notebook in nbformat 4 (it has no `cells` list)")
    return notebook


def _language(notebook: dict) -> str:
    metadata = notebook.get("metadata") if isinstance(notebook.get("metadata"), dict) else {}
    for key, name in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(key)
        if isinstance(section, dict) and isinstance(section.get(name), str):
            return section[name].lower()
    return "python"  # what Jupyter assumes


def _code_cells(notebook: dict) -> list[_Cell]:
    """The Python code cells, each masked so that it parses."""
    if _language(notebook) != "python":
        return []
    cells: list[_Cell] = []
    magics: list[str] = []
    for number, cell in enumerate(notebook["cells"], 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if not isinstance(source, str) or source.lstrip().startswith("%%"):
            continue  # a cell magic: its body is another language (bash, html, ...) or IPython's
        cells.append(_Cell(number, cell, source, _mask(source, magics, number), magics))
    return cells


def _mask(source: str, magics: list[str], number: int) -> str:
    """`source` with every IPython line replaced by a placeholder statement (same indent)."""
    lines = source.split("\n")
    masked = list(lines)
    for index, line in enumerate(lines):
        if _MAGIC_LINE.match(line):
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            masked[index] = indent + _PLACEHOLDER.format(len(magics))
            magics.append(line)
    masked_source = "\n".join(masked)
    if masked_source == source or _parses(masked_source):
        return masked_source
    if _parses(source):
        return source  # those lines were Python after all (say, `% b` continuing an expression)
    return masked_source  # does not parse either way: the engine reports where


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return False
    return True


def _module(cells: list[_Cell]) -> tuple[str, list[tuple[int, int]]]:
    """The cells as one module, each followed by its end marker; and, per module line,
    (cell number, line in the cell) from line 1 on (markers map to the line after their cell)."""
    parts, lines = [], []
    for cell in cells:
        parts += [cell.text, _MARKER.format(cell.number) + "\n"]
        count = cell.text.count("\n")
        lines += [(cell.number, line) for line in range(1, count + 2)]
    return "".join(parts), lines


def _in_cell(finding: Finding, lines: list[tuple[int, int]]) -> CellFinding:
    cell, line = lines[min(finding.line, len(lines)) - 1]
    return CellFinding(line, finding.column, finding.code, finding.message, finding.severity, finding.fixable, cell)


def _syntax_error(cells: list[_Cell]) -> str | None:
    """Where the first cell that is not Python fails, by Python's own parser (exact positions)."""
    for cell in cells:
        try:
            ast.parse(cell.masked)
        except SyntaxError as error:
            return f"cell {cell.number}: line {error.lineno}, column {error.offset}: {error.msg}"
        except (ValueError, RecursionError):
            return f"cell {cell.number}: not Python that can be parsed"
    return None


def _cell_error(message: str, lines: list[tuple[int, int]]) -> str:
    match = _ERROR_POSITION.match(message)
    if match is None:
        return message
    cell, line = lines[min(int(match[1]), len(lines)) - 1]
    return f"cell {cell}: line {line}, column {match[2]}: {message[match.end():]}"


def _split_back(new_module: str, cells: list[_Cell]) -> list[tuple[str, str, str]]:
    """Put each cell's migrated code back into the notebook; return the changed cells."""
    pieces = _MARKER_LINE.split(new_module)
    # split() gives [code, number, code, number, ..., rest]; rest is empty unless a rule
    # appended code at the very end, which then belongs to the last cell.
    numbers = [int(n) for n in pieces[1::2]]
    if numbers != [cell.number for cell in cells]:
        raise NotebookError("a rewrite moved code across cells; the notebook was left as it was")
    codes = pieces[0::2]
    rest = codes.pop()
    codes[-1] += rest
    parts = []
    for cell, code in zip(cells, codes, strict=True):
        new_source = _unmask(code, cell)
        if new_source == cell.source:
            continue
        parts.append((f":cell {cell.number}", cell.source, new_source))
        old = cell.cell.get("source")
        cell.cell["source"] = new_source if isinstance(old, str) else _source_lines(new_source)
    return parts


def _unmask(code: str, cell: _Cell) -> str:
    if cell.text != cell.masked and code.endswith("\n"):
        code = code[:-1]  # the newline added before the marker
    if _placeholders(code) != _placeholders(cell.masked):
        raise NotebookError(f"a rewrite moved or dropped an IPython line of cell {cell.number}; left as it was")
    return _PLACEHOLDER_LINE.sub(lambda m: m[1] + cell.magics[int(m[2])].lstrip(" \t"), code)


def _placeholders(code: str) -> list[str]:
    return [match[2] for match in _PLACEHOLDER_LINE.finditer(code)]


def _source_lines(source: str) -> list[str]:
    """A cell's source as nbformat stores it: lines that keep their "\\n", the last one without."""
    lines = [line + "\n" for line in source.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


# --- writing the JSON back in its own layout ------------------------------------------------------


def dump_like(data: dict, original: str) -> str:
    """`data` as JSON in the layout of `original` (the same notebook before the change)."""
    before = json.loads(original)
    newline = "\n" if original.endswith("\n") else ""
    for style in _styles(original):
        if json.dumps(before, **style) + newline == original:
            return json.dumps(data, **style) + newline
    # A layout json.dumps cannot reproduce (hand-edited, or another serializer): keep the indent.
    return json.dumps(data, **_styles(original)[0]) + newline


def _styles(original: str) -> list[dict]:
    """Candidate `json.dumps` options, the likeliest (the indent of the second line) first."""
    ascii_options = (False, True) if original.isascii() else (False,)
    second = original.split("\n", 2)[1] if original.count("\n") >= 2 else None
    if second is None:
        layouts = [{"indent": None, "separators": (", ", ": ")}, {"indent": None, "separators": (",", ":")}]
    else:
        found = second[: len(second) - len(second.lstrip(" \t"))]
        indent = found if found.startswith("\t") else len(found)
        layouts = [{"indent": i, "separators": (",", ": ")} for i in dict.fromkeys([indent, 1, 2, 4, "\t"])]
    return [{**layout, "ensure_ascii": a} for layout in layouts for a in ascii_options]
