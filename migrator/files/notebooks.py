"""Jupyter notebooks (`.ipynb`): migrate the code cells, leave everything else as it was.

All code cells are migrated together, as one module, because a notebook is one program: the
client is built in one cell, the call made in another and its result read in a third, and
the rewrite of a call is only safe together with the rewrite of those reads. Each cell ends
with a marker statement so the migrated module splits back into the same cells; findings and
diffs point into a cell (`nb.ipynb:cell 3:2:5`, counting every cell from 1, as editors do).

IPython syntax is not Python: `%magic` and `!shell` lines (also `x = !cmd`, `obj?`) are
masked with a placeholder statement before parsing and put back afterwards; `%%magic` cells
are not Python at all and are left out. Outputs, metadata and non-code cells are never read.

A code cell that still does not parse (an IPython construct the masking does not cover, a
typo) does not hide the others: it is named in an error (`Migrated.cell_errors`, which makes
the run end with exit code 2), left byte for byte as it was, and the other cells are migrated.
It is still part of the program, so in the module it stands in for it by one statement that
reads every identifier-like word of its text and assigns every name it visibly assigns
(`client = resp = __migrator_unparsed_cell_4__(client, resp, ...)`): a call whose result
the cell may read is not migrated, a client or message list it may rebind is not trusted.
Only a notebook whose every code cell fails is one error, as any other file that does not parse.

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
import keyword
import re
from dataclasses import dataclass, field
from typing import Any, TypedDict

import libcst as cst

from migrator.analysis import ProjectIndex
from migrator.engine import Result, SourceError, could_apply, migrate_source
from migrator.findings import Finding
from migrator.engine.safe_parsing import check_nesting, python_parses
from migrator.settings import Settings

_MARKER = "__migrator_cell_end_{}__"
_MARKER_LINE = re.compile(r"^__migrator_cell_end_(\d+)__\n", re.MULTILINE)
_PLACEHOLDER = "__migrator_magic_{}__"
_PLACEHOLDER_LINE = re.compile(r"^([ \t]*)__migrator_magic_(\d+)__[ \t]*$", re.MULTILINE)
#: Lines of IPython syntax: `%line magic`, `!shell`, `x = !cmd` / `x = %magic`, `obj?` / `?obj`,
#: and `pip install ...` / `conda install ...` without the `%` (IPython's automagic, on by
#: default, runs them: many Colab notebooks start so).
_MAGIC_LINE = re.compile(
    r"[ \t]*(?:[%!]|[\w.]+[ \t]*=[ \t]*[%!]|\?{1,2}[\w.]+[ \t]*$|[\w.]+\?{1,2}[ \t]*$"
    r"|(?:pip|conda|mamba)[ \t]+(?:install|uninstall)\b)"
)
_ERROR_POSITION = re.compile(r"^line (\d+)(?:, column (\d+))?: ")
#: The statement that stands in for a cell that does not parse: a call of this name.
_STAND_IN = "__migrator_unparsed_cell_{}__"
_STAND_IN_ESCAPE = re.compile(
    r"is passed to `__migrator_unparsed_cell_(\d+)__\(\)`(?:, where the tool cannot follow it)?"
)
_STAND_IN_QUOTED = re.compile(r"`[^`\n]*?__migrator_unparsed_cell_(\d+)__[^`\n]*`|__migrator_unparsed_cell_(\d+)__")
#: What a cell that does not parse is searched for (over its whole text, strings and comments
#: too: too many names only make the analysis more careful, too few could make it wrong).
_WORD = re.compile(r"\w+")
_NAME = r"[^\W\d]\w*"
#: An assignment operator: `=` (not `==`, `<=`, ...), augmented (`+=`, `//=`, `>>=`, ...) or `:=`.
_ASSIGN_OP = re.compile(r"(?<![=!<>])(?:\*\*=|//=|>>=|<<=|[-+*/%@&|^:]=|=)(?!=)")
#: The name (or `a.b` attribute) right before an assignment operator: `obj.attr =`, `f(key=`, `(x :=`.
_ASSIGN_TARGET = re.compile(rf"(?<![\w.)\]}}])({_NAME}(?:[ \t]*\.[ \t]*{_NAME})*)\s*$")
#: An import statement, up to the end of its name list (`(...)` when it is closed, else its line):
#: what follows, in a cell that does not parse, may well be code.
_IMPORT = re.compile(r"\s*(?:from\s+[\w.]+\s+)?import\b(?:\s*\([\w\s,]*\)|[^\n(]*)")
#: Comments and closed strings, blanked out before looking for assignments (`"a = b"` assigns
#: nothing). A quote that is never closed is left: what follows it is read as code, which may
#: find names that are not assigned, but never misses one that is.
_STRING_OR_COMMENT = re.compile(
    r"#[^\n]*|'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"" r"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'|\"[^\"\\\n]*(?:\\.[^\"\\\n]*)*\""
)
_BINDING_SPANS = (
    re.compile(r"\bfor\b([\s\S]*?)\bin\b"),  # `for a, (b, c) in`: every name between
    re.compile(r"\bas\s+(\([^)]*\)?|\[[^\]]*\]?|\w+)"),  # `with ... as f`, `except E as e`
    re.compile(r"\b(?:def|class)\s+(\w+)"),
    re.compile(r"^\s*case\b([\s\S]*)"),  # capture patterns: every name of the statement
)


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
    #: One message per code cell that does not parse (`cell 3: line 2, column 5: invalid
    #: syntax`): each such cell was left as it was, the others migrated; the run fails (exit 2).
    cell_errors: list[str] = field(default_factory=list)


@dataclass
class _Cell:
    number: int  # 1-based, counting every cell
    cell: dict[str, Any]  # (parsed JSON, as the notebook has it)
    source: str
    masked: str
    magics: list[str]  # the original lines behind the placeholders, by placeholder number
    #: Why the cell does not parse (`cell N: line L, column C: reason`); None when it does.
    error: str | None = None

    @property
    def text(self) -> str:
        """The masked source as it goes into the module: ending with a newline, for the marker
        (for a cell that does not parse, the one statement that stands in for it)."""
        if self.error is not None:
            return stand_in(self.source, self.number) + "\n"
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


def migrate_notebook(
    raw: bytes, settings: Settings, display: str = "<notebook>", project: ProjectIndex | None = None
) -> Migrated:
    text, encoding = decode(raw)
    notebook = _load(text)
    cells = _code_cells(notebook)
    code = "\n".join(c.masked for c in cells)
    if not cells or not could_apply(code, settings, project=project):
        return Migrated(Result(text, text, parsed=False), encoding)
    for cell in cells:
        cell.error = _syntax_error(cell)
    result, lines = _migrate_cells(cells, settings, display, project)
    errors = [cell.error for cell in cells if cell.error is not None]
    bad = {cell.number for cell in cells if cell.error is not None}
    findings: list[Finding] = [_in_cell(f, lines, bad) for f in result.findings]
    if not result.changed:
        return Migrated(Result(text, text, findings), encoding, cell_errors=errors)
    parts = _split_back(result.new_source, cells)
    new_text = dump_like(notebook, text)
    return Migrated(Result(text, new_text, findings), encoding, new_text.encode(encoding), parts, errors)


def _migrate_cells(
    cells: list[_Cell], settings: Settings, display: str, project: ProjectIndex | None
) -> tuple[Result, list[tuple[int, int]]]:
    """Migrate the cells as one module, each cell that does not parse replaced by its stand-in.
    A cell Python's parser reads but the engine's guards or LibCST's parser do not (an `and`
    chain too long for LibCST, say) is found by the engine's error: it is set aside the same
    way, and the module tried again. Any other error is the whole notebook's."""
    while True:
        if all(cell.error is not None for cell in cells):
            raise NotebookError(cells[0].error)  # nothing left to migrate: as any file that does not parse
        module, lines = _module(cells)
        try:
            return migrate_source(module, settings, display, project), lines
        except SourceError as error:
            message = _cell_error(str(error), lines)
            number = _cell_of(str(error), lines)
            cell = next((c for c in cells if c.number == number and c.error is None), None)
            if cell is None or not _engine_cannot_parse(cell.masked):
                raise NotebookError(message) from None
            cell.error = message


def _engine_cannot_parse(code: str) -> bool:
    try:
        check_nesting(code)  # first: LibCST's parser would crash on what it refuses
        cst.parse_module(code)
    except (SourceError, cst.ParserSyntaxError, RecursionError):
        return True
    return False


def _load(text: str) -> dict[str, Any]:
    """The notebook as parsed JSON (Any: what the file holds, read by key where it is used)."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError("not a Jupyter notebook in nbformat 4 (it has no `cells` list)")
    return notebook


def _language(notebook: dict[str, Any]) -> str:
    found = notebook.get("metadata")
    metadata = found if isinstance(found, dict) else {}
    for key, name in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(key)
        language = section.get(name) if isinstance(section, dict) else None
        if isinstance(language, str):
            return language.lower()
    return "python"  # what Jupyter assumes


def _code_cells(notebook: dict[str, Any]) -> list[_Cell]:
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
    if masked_source == source or python_parses(masked_source):
        return masked_source
    if python_parses(source):
        return source  # those lines were Python after all (say, `% b` continuing an expression)
    return masked_source  # does not parse either way: the engine reports where


def _module(cells: list[_Cell]) -> tuple[str, list[tuple[int, int]]]:
    """The cells as one module, each followed by its end marker; and, per module line,
    (cell number, line in the cell) from line 1 on (markers map to the line after their cell)."""
    parts, lines = [], []
    for cell in cells:
        parts += [cell.text, _MARKER.format(cell.number) + "\n"]
        count = cell.text.count("\n")
        lines += [(cell.number, line) for line in range(1, count + 2)]
    return "".join(parts), lines


def _in_cell(
    finding: Finding, lines: list[tuple[int, int]], bad: frozenset[int] | set[int] = frozenset()
) -> CellFinding:
    """`finding` with its position in its cell; one on the stand-in of a cell that does not
    parse (in `bad`) points at that cell's first line, and its words name the cell."""
    cell, line = lines[min(finding.line, len(lines)) - 1]
    column = finding.column
    if cell in bad:
        line, column = 1, 1
    message = _plain_words(finding.message)
    return CellFinding(line, column, finding.code, message, finding.severity, finding.fixable, cell)


def _plain_words(message: str) -> str:
    """A finding's message without the stand-in's name: what it means, for a person."""
    message = _STAND_IN_ESCAPE.sub(lambda m: f"is used in cell {m[1]}, which could not be parsed", message)
    return _STAND_IN_QUOTED.sub(lambda m: f"cell {m[1] or m[2]} (which could not be parsed)", message)


def _syntax_error(cell: _Cell) -> str | None:
    """Why the cell is not Python, by Python's own parser (exact positions); None when it is."""
    try:
        ast.parse(cell.masked)
    except SyntaxError as error:
        return f"cell {cell.number}: line {error.lineno}, column {error.offset}: {error.msg}"
    except (ValueError, RecursionError, MemoryError):
        return f"cell {cell.number}: not Python that can be parsed"
    return None


def _cell_of(message: str, lines: list[tuple[int, int]]) -> int | None:
    """The cell an engine error (`line L, column C: ...` in the module) points into."""
    match = _ERROR_POSITION.match(message)
    return None if match is None else lines[min(int(match[1]), len(lines)) - 1][0]


def _cell_error(message: str, lines: list[tuple[int, int]]) -> str:
    """An engine error on the module (`line L, column C: ...`) as the cell's (`cell N: line l, ...`)."""
    match = _ERROR_POSITION.match(message)
    if match is None:
        return message
    cell, line = lines[min(int(match[1]), len(lines)) - 1]
    column = f", column {match[2]}" if match[2] else ""
    return f"cell {cell}: line {line}{column}: {message[match.end():]}"


def stand_in(source: str, number: int) -> str:
    """One line of Python for cell `number` whose `source` does not parse: a call that reads
    every identifier-like word of the cell, assigned to every name (and `a.b` attribute) the
    cell visibly assigns. Imports are left out of the assignments: `from openai import OpenAI`
    in a broken cell would otherwise make every client of the notebook unproven, for nothing."""
    words = dict.fromkeys(w for w in _WORD.findall(source) if _usable(w))
    call = f"{_STAND_IN.format(number)}({', '.join(words)})"
    return "".join(f"{target} = " for target in _assigned(source)) + call


def _usable(word: str) -> bool:
    return word.isidentifier() and not keyword.iskeyword(word) and word != "__debug__"


def _assigned(source: str) -> list[str]:
    """The names (and dotted attributes) `source` visibly assigns, found in its text alone. Too
    many is safe (keyword arguments count too); imports are left out on purpose."""
    targets: dict[str, None] = {}
    for statement in _statements(source):
        imported = _IMPORT.match(statement)
        if imported is not None:
            statement = statement[imported.end() :]  # `import a as b`: no assignment (on purpose)
        start = 0
        for op in _ASSIGN_OP.finditer(statement):
            before = statement[start : op.start()]
            start = op.end()
            # `a, (b, *c) = ...`, `x = y = ...`, `x: int = ...`: every bare name of the target list
            for piece in before.split(","):
                for name in (piece, piece.split(":")[0]):
                    name = name.strip(" \t\n()[]*")
                    if _usable(name):
                        targets[name] = None
            target = _ASSIGN_TARGET.search(before)
            if target is not None:
                dotted = re.sub(r"\s", "", target[1])
                if all(_usable(part) for part in dotted.split(".")):
                    targets[dotted] = None
        for pattern in _BINDING_SPANS:
            for match in pattern.finditer(statement):
                for word in _WORD.findall(match[1]):
                    if _usable(word):
                        targets[word] = None
    return list(targets)


def _statements(source: str) -> list[str]:
    """`source` in logical statements, strings and comments blanked out: split at a newline or
    `;` outside brackets (a bracket the broken cell never closes makes one long statement, which
    only finds more names)."""
    code = _STRING_OR_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m[0]), source).replace("\\\n", "  ")
    statements, depth, start = [], 0, 0
    for index, char in enumerate(code):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(depth - 1, 0)
        elif char in "\n;" and depth == 0:
            statements.append(code[start:index])
            start = index + 1
    statements.append(code[start:])
    return [statement for statement in statements if statement.strip()]


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
        if cell.error is not None:
            if code != cell.text:
                raise NotebookError(
                    f"a rewrite changed code that reads cell {cell.number}, which could not be parsed; "
                    "the notebook was left as it was"
                )
            continue  # left as it was, byte for byte
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


def dump_like(data: dict[str, Any], original: str) -> str:
    """`data` as JSON in the layout of `original` (the same notebook before the change)."""
    before = json.loads(original)
    newline = "\n" if original.endswith("\n") else ""
    for style in _styles(original):
        if json.dumps(before, **style) + newline == original:
            return json.dumps(data, **style) + newline
    # A layout json.dumps cannot reproduce (hand-edited, or another serializer): keep the indent.
    return json.dumps(data, **_styles(original)[0]) + newline


class _Layout(TypedDict):
    indent: int | str | None
    separators: tuple[str, str]


class _Style(_Layout):
    """Options of `json.dumps`."""

    ensure_ascii: bool


def _styles(original: str) -> list[_Style]:
    """Candidate `json.dumps` options, the likeliest (the indent of the second line) first."""
    ascii_options = (False, True) if original.isascii() else (False,)
    second = original.split("\n", 2)[1] if original.count("\n") >= 2 else None
    if second is None:
        layouts: list[_Layout] = [
            {"indent": None, "separators": (", ", ": ")},
            {"indent": None, "separators": (",", ":")},
        ]
    else:
        found = second[: len(second) - len(second.lstrip(" \t"))]
        indent = found if found.startswith("\t") else len(found)
        layouts = [{"indent": i, "separators": (",", ": ")} for i in dict.fromkeys([indent, 1, 2, 4, "\t"])]
    return [{**layout, "ensure_ascii": a} for layout in layouts for a in ascii_options]
