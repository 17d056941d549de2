"""Clients defined in one module of a project and used in another.

Real code often builds the client once (`clients.py: client = OpenAI(...)`, or a factory
`def get_client() -> OpenAI`) and imports it everywhere. The analysis of one file cannot see
that, so before migrating, the CLI reads the files that construct a client and records what
each module exports: names bound to a client, and functions that return one. The analysis of
every other file then resolves `from .clients import get_client` through this index. The
string constants those modules bind at module level (`MODEL = "qwen-plus"`) are recorded too, so
that `from .clients import MODEL` is a constant where it is used; a module that binds no client
(`config.py` with constants only) is not read.

Only files whose bytes may bind such a client (`may_export_client`: the word `openai` and a
line like `client = OpenAI(`, `-> OpenAI` or `return OpenAI(`) are parsed for the index, so it
costs little. A file that uses an exported client without importing `openai` itself is then
migrated when it imports one of the exporting modules (`imported_by`), which the prefilter
tests with Python's own parser, as it tests `import openai`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import libcst as cst

from migrator.analysis.calls import Analysis, Client, Constant
from migrator.analysis.doubles import Feed, RunModules
from migrator.analysis.modules import absolute_name, forget_packages, module_name
from migrator.syntax import SourceTree


@dataclass
class ProjectIndex:
    #: "package.module.name" -> the client that name holds.
    instances: dict[str, Client] = field(default_factory=dict)
    #: "package.module.function" -> the client that calling the function returns.
    factories: dict[str, Client] = field(default_factory=dict)
    #: "package.module.NAME" -> the string a module-level constant of those modules holds
    #: (`MODEL = "qwen-plus"`), for the model and base URL checks of the modules importing it.
    constants: dict[str, Constant] = field(default_factory=dict)
    #: Folder of each top-level package searched, so files map to module names.
    roots: tuple[Path, ...] = ()
    #: The modules of the run, when some file of it may hold test doubles (`analysis.doubles`).
    run_modules: RunModules | None = None
    #: "package.module" -> the test doubles of the run that stand in for its client.
    feeds: dict[str, list[Feed]] = field(default_factory=dict)
    #: The modules fed by doubles whose calls migrate (so their doubles move with them).
    migrated: frozenset[str] = frozenset()
    #: The modules fed by doubles that check the arguments of its calls, whose migration would
    #: change what the calls send, with the rules that would (so they stay on Chat Completions).
    sends_otherwise: dict[str, list[str]] = field(default_factory=dict)
    #: The files of the run that hold doubles feeding a module (resolved paths): analysed as
    #: files using OpenAI, though they may never import it (`patch("pkg.llm.OpenAI")`).
    double_files: frozenset[str] = frozenset()

    def module_of(self, filename: str | Path) -> str | None:
        return module_name(Path(filename))

    def __bool__(self) -> bool:
        return bool(self.instances or self.factories or self.run_modules)

    @cached_property
    def modules(self) -> frozenset[str]:
        """The modules that export a client."""
        return frozenset(name.rsplit(".", 1)[0] for name in (*self.instances, *self.factories))

    @cached_property
    def words(self) -> tuple[bytes, ...]:
        """Bytes any file importing an exporting module holds (its last name, for relative
        imports too): the first, cheap test for a file that does not name `openai`."""
        return tuple(sorted({module.rsplit(".", 1)[-1].encode() for module in self.modules}))

    def imported_by(self, python_tree: ast.Module, filename: str) -> bool:
        """Whether the module imports an exporting module, or a name from one, anywhere."""
        if self.double_files and str(Path(filename).resolve()) in self.double_files:
            return True
        module = module_name(Path(filename)) if not filename.startswith("<") else None
        is_package = filename.endswith("__init__.py")
        for node in ast.walk(python_tree):
            if isinstance(node, ast.Import):
                if any(self._is_exporter(alias.name) for alias in node.names):
                    return True
            elif isinstance(node, ast.ImportFrom):
                base = absolute_name("." * node.level + (node.module or ""), module, is_package)
                if base is not None and (
                    self._is_exporter(base) or any(f"{base}.{alias.name}" in self.modules for alias in node.names)
                ):
                    return True
        return False

    def _is_exporter(self, name: str) -> bool:
        return name in self.modules or any(module.startswith(name + ".") for module in self.modules)

    @classmethod
    def build(cls, files: Iterable[tuple[Path, str]], others: Iterable[Path] = ()) -> ProjectIndex:
        """Index the clients that `files` (path, source text) export. `others`: the other files
        of the run, so that a module name two files share is known to be ambiguous."""
        forget_packages()  # packages may have changed since an earlier run in this process
        parsed = []
        files = list(files)
        names = {path.name for path, _ in files}
        paths_of: dict[str, set[Path]] = {}
        for path in [*(path for path, _ in files), *(p for p in others if p.name in names)]:
            module = module_name(path)
            if module is not None:
                paths_of.setdefault(module, set()).add(path.resolve())
        for path, source in files:
            if "OpenAI" not in source and "openai" not in source:
                continue
            module = module_name(path)
            if module is None or module.split(".")[0] == "openai":
                continue  # the SDK itself (a vendored copy): its clients are found through `openai`
            if len(paths_of[module]) > 1:
                continue  # two scripts named alike in different folders: which one is imported is not known
            try:
                tree = SourceTree(cst.parse_module(source))
            except (cst.ParserSyntaxError, RecursionError):
                continue  # the file's own run reports it
            parsed.append((module, path.name == "__init__.py", tree))
        index = cls()
        # Two passes, so that a module re-exporting another module's client is found too.
        for _ in range(2):
            for module, is_package, tree in parsed:
                analysis = Analysis(tree, project=index, module=module, is_package=is_package)
                index._add_exports(module, tree, analysis)
        return index

    def _add_exports(self, module: str, tree: SourceTree, analysis: Analysis) -> None:
        module_scope = tree.scopes[0]
        for name, bindings in module_scope.bindings.items():
            if len(bindings) != 1:
                continue
            binding = bindings[0]
            qualified = f"{module}.{name}"
            if binding.kind in ("assign", "annassign") and binding.value is not None:
                constant = analysis.constant_string(binding.value)
                if constant is not None:
                    self.constants[qualified] = constant
                    continue
            if binding.kind == "def":
                client = analysis.factory_client(tree.parent(binding.node))
                target = self.factories
            else:
                client = analysis.client_of_binding(binding)
                target = self.instances
            if client is not None:
                # The constructor node belongs to another file: never edit it from here.
                target[qualified] = replace(client, constructor=None)


#: A line that may bind a module-level client or make a factory of one: an assignment or a
#: `def` at the start of a line, or a `return` one indent in (a top-level function's body).
_CLIENT = rb"(?:[\w.]+\.)?(?:Async)?(?:(?:Azure)?OpenAI|Client)"
_EXPORT_LINE = re.compile(
    rb"^[A-Za-z_]\w*[ \t]*(?::[^=\n]*)?=[ \t]*" + _CLIENT + rb"\("
    rb"|^(?:async[ \t]+)?def[ \t][^\n]*->[ \t]*['\"]?" + _CLIENT + rb"\b"
    rb"|^(?: {4}|\t)return[ \t]+" + _CLIENT + rb"\(",
    re.MULTILINE,
)


def may_export_client(raw: bytes) -> bool:
    """Whether a file's bytes may bind, at module level, a client other modules import. A
    client made under an `if` or in a class is not looked for: its users are reported as
    before, never migrated on a guess."""
    return b"openai" in raw and _EXPORT_LINE.search(raw) is not None
