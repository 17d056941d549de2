"""The prefilter: whether a file is worth parsing, decided on its bytes.

Most files of a codebase have nothing to migrate, and parsing is by far the dearest step, so
every file is first searched, as bytes, for the `triggers` of the enabled rules (text that
must occur in a file for a rule to act on it). Only files that hold one are decoded and
parsed. The rules that act on OpenAI calls count only in a file that also holds `openai`; and
the engine, once Python's own parser (many times faster than LibCST's) has read the file, lets
them act only where it imports `openai` (`imports_openai`), the only way a client is recognized. The search must never miss a file a rule would act on (tests/engine/test_prefilter.py checks
that property); finding a trigger in a file no rule then touches only costs time.

Searching the bytes is exact when the triggers are encoded the way the file is: for UTF-8
(nearly every file) a UTF-8 pattern occurs in the bytes exactly where the text holds it, as
UTF-8 never matches in the middle of a character. For another declared encoding whose
encoding of the triggers is the same bytes (latin-1, cp1252 ... for ASCII triggers) the same
search holds; for any other (UTF-16, a trigger that encodes differently) the file is decoded
first and the text searched. Notebooks are JSON, where a character may also be written as an
escape (`\\u0063`, `\\/`): a notebook with such escapes always goes on to the notebook reader,
which searches its decoded code cells again.
"""

from __future__ import annotations

import ast
import codecs
import io
import json
import tokenize
from collections.abc import Callable, Iterable
from functools import lru_cache

from migrator.rules import CATALOG
from migrator.settings import Settings

#: Byte order marks of encodings in which ASCII text is not ASCII bytes (longest first).
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UTF8 = frozenset({"utf-8", "utf-8-sig"})
#: Codecs in which the same text may be written in more than one way (a letter inside a
#: base64 run, or after a shift sequence): a bytes search could miss it, so these are decoded.
_STATEFUL = ("utf-7", "iso2022", "hz")
OPENAI = "openai"


class Prefilter:
    """Searches text or bytes for the triggers of a set of rules.

    `triggers` let a file through alone. `openai_triggers` are those of rules that act only on
    what the analysis resolves through an import of `openai` (clients, their calls, the SDK's
    types): they count only in a file that may import it, which in bytes means one that holds
    the word `openai` at all, and, once Python has parsed the file, one with an `import openai`
    or `from openai... import` statement (`imports_openai`).
    """

    def __init__(self, triggers: Iterable[str], openai_triggers: Iterable[str] = ()) -> None:
        self.triggers = _fewest(triggers)
        self.openai_triggers = _fewest(openai_triggers)
        words = {*self.triggers, *self.openai_triggers, OPENAI}
        self._words = tuple(sorted(words))
        self._utf8 = {w: w.encode() for w in words}
        self._json = {w: json.dumps(w, ensure_ascii=False)[1:-1].encode() for w in words}

    @classmethod
    @lru_cache(maxsize=32)
    def for_rules(cls, settings: Settings, codes: Iterable[str] | None = None) -> Prefilter:
        """The triggers of every enabled rule (of those in `codes`, when given; hashable), as the
        rules' catalog lists them: the rules themselves are not imported to prefilter files."""
        wanted = None if codes is None else set(codes)
        rules = [
            rule for rule in CATALOG if settings.rule_enabled(rule.code) and (wanted is None or rule.code in wanted)
        ]
        return cls(
            (t for rule in rules if not rule.needs_openai_import for t in rule.triggers),
            (t for rule in rules if rule.needs_openai_import for t in rule.triggers),
        )

    def __bool__(self) -> bool:
        return bool(self.triggers or self.openai_triggers)

    def _passes(self, holds: Callable[[str], bool], may_import_openai: bool | None = None) -> bool:
        if any(map(holds, self.triggers)):
            return True
        if not self.openai_triggers:
            return False
        if may_import_openai is None:
            may_import_openai = holds(OPENAI)
        return may_import_openai and any(map(holds, self.openai_triggers))

    def in_text(self, text: str, imports_openai: bool | None = None) -> bool:
        """Whether a rule may act on `text`; `imports_openai`, when known, is what
        `imports_openai` says of the parsed file (a sharper test than the word alone)."""
        return self._passes(text.__contains__, imports_openai)

    def in_bytes(self, raw: bytes, encoding: str = "utf-8", assume_openai: bool = False) -> bool:
        """Whether `raw`, text in `encoding`, may hold a trigger (never False when it does).
        `assume_openai`: count the triggers of the rules that need `openai` even without the word."""
        codec = _normal(encoding)
        encoded = self._utf8 if codec in _UTF8 else _encoded(self._words, codec)
        imports = True if assume_openai else None
        if encoded is not None:
            return self._passes(lambda word: encoded[word] in raw, imports)
        try:
            return self.in_text(raw.decode(codec), imports)
        except (UnicodeDecodeError, LookupError):
            return True  # cannot tell: let the reader report why the file cannot be read

    def in_python(self, raw: bytes, assume_openai: bool = False) -> bool:
        """For Python source: in the encoding Python would read it in."""
        return self.in_bytes(raw, _wide_encoding(raw) or declared_encoding(raw) or "utf-8", assume_openai)

    def in_notebook(self, raw: bytes, assume_openai: bool = False) -> bool:
        """For notebook JSON: True also when an escape or a wide encoding could hide a trigger."""
        if _wide_encoding(raw) or b"\\u" in raw or b"\\/" in raw:
            return True
        return self._passes(lambda word: self._json[word] in raw, True if assume_openai else None)

    def in_any_text(self, raw: bytes) -> bool:
        """For other text files: UTF-8 unless a byte order mark says otherwise."""
        return self.in_bytes(raw, _wide_encoding(raw) or "utf-8")


def imports_openai(module: ast.Module) -> bool:
    """Whether the module imports `openai` or a module under it, anywhere (absolute imports:
    the analysis resolves names to `openai....` only through these, see `SourceTree`)."""
    statements = list(module.body)
    while statements:  # statements only: an import is never inside an expression
        node = statements.pop()
        if isinstance(node, ast.Import):
            if any(_under_openai(alias.name) for alias in node.names):
                return True
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and _under_openai(node.module or ""):
                return True
        else:
            for name in _BODIES:
                for child in getattr(node, name, ()):
                    statements.extend(child.body if isinstance(child, _CLAUSES) else (child,))
    return False


#: Where statements hold statements, and the clauses (`except`, `case`) that hold them in turn.
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")
_CLAUSES = (ast.ExceptHandler, ast.match_case)


def _under_openai(module: str) -> bool:
    return module == OPENAI or module.startswith(OPENAI + ".")


def _fewest(triggers: Iterable[str]) -> tuple[str, ...]:
    unique = sorted(set(triggers), key=lambda t: (len(t), t))
    # A trigger that contains a shorter one adds nothing: wherever it occurs, so does that one.
    return tuple(t for i, t in enumerate(unique) if t and not any(s in t for s in unique[:i]))


def _wide_encoding(raw: bytes) -> str | None:
    return next((name for bom, name in _WIDE_BOMS if raw.startswith(bom)), None)


def declared_encoding(raw: bytes) -> str | None:
    """The codec a PEP 263 `coding:` comment in the first two lines names, if any (and valid)."""
    first = raw.find(b"\n")
    second = raw.find(b"\n", first + 1) if first >= 0 else -1
    head = raw if second < 0 else raw[:second]
    if b"coding" not in head:
        return None
    try:
        return tokenize.detect_encoding(io.BytesIO(raw).readline)[0]
    except SyntaxError:
        return None  # a bad declaration: reading the file reports it


@lru_cache(maxsize=64)
def _normal(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return encoding
    return "utf-8-sig" if name == "utf-8-sig" else name


@lru_cache(maxsize=64)
def _encoded(words: tuple[str, ...], codec: str) -> dict[str, bytes] | None:
    """The words in `codec`, when each encodes to the same bytes as in UTF-8 (so a bytes
    search stays exact); None otherwise."""
    if codec.startswith(_STATEFUL):
        return None
    try:
        encoded = {word: word.encode(codec) for word in words}
    except (UnicodeEncodeError, LookupError):
        return None
    return encoded if all(encoded[word] == word.encode() for word in words) else None
