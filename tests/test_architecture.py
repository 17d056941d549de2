"""The import rule (docs/architecture.md): imports point one way, down the pipeline

    cli, config → output → files → engine → rules → analysis → syntax

(`settings` and `findings` are leaves anyone may import), and no module of `migrator/` takes
part in an import cycle, counting imports inside functions too (not those under
`if TYPE_CHECKING:`, which never run). Rule codes are unique, and no rule imports the engine.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from migrator.rules import all_rules

PACKAGE = Path(__file__).resolve().parent.parent / "migrator"
#: Each part of the pipeline and its layer: a module may import its own layer or lower ones.
LAYERS = {
    "migrator": 0,  # the package itself: __version__
    "migrator.settings": 0,
    "migrator.findings": 0,
    "migrator.syntax": 1,
    "migrator.analysis": 2,
    "migrator.rules": 3,
    "migrator.engine": 4,
    "migrator.files": 5,
    "migrator.output": 6,
    "migrator.config": 7,
    "migrator.cli": 8,
    "migrator.__main__": 9,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    """The layer of the longest part of the pipeline `module` belongs to."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        name = ".".join(parts[:end])
        if name in LAYERS:
            return LAYERS[name]
    raise KeyError(module)


def _runs(node: ast.AST) -> bool:
    """False for `if TYPE_CHECKING:` blocks."""
    return not (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test))


def imports_of(source: str, module: str, modules: set[str], is_package: bool) -> set[str]:
    """The modules of `modules` that `source` (module `module`) imports, wherever it imports them."""
    found: set[str] = set()
    pending: list[ast.AST] = [ast.parse(source)]
    while pending:
        node = pending.pop()
        for child in ast.iter_child_nodes(node):
            if not _runs(child):
                continue
            pending.append(child)
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names if alias.name in modules)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    package = module.split(".") if is_package else module.split(".")[:-1]
                    base = ".".join(package[: len(package) - (child.level - 1)] + ([base] if base else []))
                for alias in child.names:
                    target = f"{base}.{alias.name}"
                    found.add(target if target in modules else base)
    return {name for name in found if name in modules and name != module}


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    return {
        module_name(path): imports_of(path.read_text(), module_name(path), modules, path.name == "__init__.py")
        for path in paths
    }


def back_edges(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{a} → {b}" for a, targets in graph.items() for b in targets if layer(b) > layer(a))


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_imports_point_down_the_pipeline():
    assert back_edges(import_graph()) == []


def test_no_import_cycle():
    assert cycles(import_graph()) == []


def test_the_checks_catch_a_back_edge_and_a_cycle():
    """The two checks above would fail on a rule that imports the engine, or on two modules
    that import each other."""
    graph = {
        "migrator.rules.output_text": {"migrator.engine.core"},
        "migrator.engine.core": {"migrator.rules.output_text"},
    }
    assert back_edges(graph) == ["migrator.rules.output_text → migrator.engine.core"]
    assert cycles(graph) == [["migrator.engine.core", "migrator.rules.output_text"]]


def test_every_module_is_in_a_layer():
    for module in import_graph():
        layer(module)


def test_rule_codes_are_unique():
    codes = [rule.code for rule in all_rules()]
    assert len(codes) == len(set(codes)), codes


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_a_rule_imports_no_engine(rule):
    graph = import_graph()
    assert not any(target.startswith("migrator.engine") for target in graph[rule.__module__])
