"""RSP019 type-names: Chat Completions type names used in annotations take their Responses names.

What it does

| `openai.types.chat`          | `openai.types.responses` |
|------------------------------|--------------------------|
| `ChatCompletion`             | `Response`               |
| `ChatCompletionChunk`        | `ResponseStreamEvent`    |
| `ChatCompletionMessageParam` | `ResponseInputItemParam` |
| `ChatCompletionToolParam`    | `FunctionToolParam`      |

The import (`from openai.types.chat import ...`, or from one of its submodules, at module level
or under `if TYPE_CHECKING:`) and the annotations that use the names are rewritten. An alias
(`import ChatCompletion as CC`) keeps its alias, so only the import changes.

Why

The results of migrated calls are Responses types; annotations that keep the Chat names are
wrong for a type checker.

OpenAI SDK: https://github.com/openai/openai-python/tree/main/src/openai/types/responses

Example

    - from openai.types.chat import ChatCompletion
    + from openai.types.responses import Response
    - completion: ChatCompletion = client.chat.completions.create(model=MODEL, messages=messages)
    + completion: Response = client.responses.create(model=MODEL, input=messages)

Fix safety

An import is rewritten only in a file where every Chat Completions call is migrated and every
use of each imported name is an annotation (`completion: ChatCompletion = ...`,
`messages: list[ChatCompletionMessageParam]`). Annotations do nothing at run time, so the
rewrite cannot change behavior; a name also used at run time (`isinstance`, `cast`, a type
alias), inside a string, or in a file whose calls stay on Chat Completions is reported instead.

Known problems

Names with no Responses counterpart stay and are not reported, but an import that also brings
one of them is reported, to move by hand. A name written in a string annotation or in
`__all__` is not rewritten (the import is reported).

Options

`--ignore RSP019` leaves the imports and annotations as they are (the calls still migrate).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import libcst as cst

from migrator.rules.base import FileContext
from migrator.findings import Severity
from migrator.rules.base import Rule

CHAT_TYPES = "openai.types.chat"
RESPONSES_TYPES = "openai.types.responses"
NEW_NAMES = {
    "ChatCompletion": "Response",
    "ChatCompletionChunk": "ResponseStreamEvent",
    "ChatCompletionMessageParam": "ResponseInputItemParam",
    "ChatCompletionToolParam": "FunctionToolParam",
}


class TypeNames(Rule):
    code = "RSP019"
    summary = "`ChatCompletion` / `...Chunk` / `...MessageParam` / `...ToolParam` annotations take Responses names"
    triggers = ("ChatCompletion",)

    def apply(self, ctx: FileContext) -> None:
        for statement in _module_statements(ctx.tree.module):
            for node, aliases in _import_froms(statement):
                self._check_import(ctx, node, aliases)

    def _check_import(self, ctx: FileContext, node: cst.ImportFrom, aliases: Sequence[cst.ImportAlias]) -> None:
        names = [alias for alias in aliases if _imported(alias) in NEW_NAMES]
        if not names:
            return
        reason = _why_not(ctx, aliases, names)
        listed = ", ".join(f"`{_imported(alias)}`" for alias in names)
        if reason is not None:
            ctx.report(
                node,
                self.code,
                f"{listed} → `{RESPONSES_TYPES}` names only once {reason}",
                Severity.WARNING,
                fixable=False,
            )
            return
        for alias in names:
            if alias.asname is None:
                for reference in _references(ctx, alias):
                    new_name = NEW_NAMES[_imported(alias)]
                    ctx.tree.edit(reference, lambda n, name=new_name: n.with_changes(value=name))
        ctx.tree.edit(node, _to_responses_import)
        renamed = ", ".join(f"`{_imported(alias)}` → `{NEW_NAMES[_imported(alias)]}`" for alias in names)
        ctx.report(node, self.code, f"{renamed} (from `{RESPONSES_TYPES}`)")


def _module_statements(module: cst.Module) -> list[cst.BaseStatement | cst.BaseSmallStatement]:
    """The module's statements, and those of its `if TYPE_CHECKING:` blocks (small statements
    for a one-line `if TYPE_CHECKING: ...`)."""
    statements: list[cst.BaseStatement | cst.BaseSmallStatement] = []
    for statement in module.body:
        statements.append(statement)
        if isinstance(statement, cst.If) and _is_type_checking(statement.test):
            statements.extend(statement.body.body)
    return statements


def _is_type_checking(test: cst.BaseExpression) -> bool:
    name = test.attr if isinstance(test, cst.Attribute) else test
    return isinstance(name, cst.Name) and name.value == "TYPE_CHECKING"


def _import_froms(statement: cst.CSTNode) -> list[tuple[cst.ImportFrom, Sequence[cst.ImportAlias]]]:
    """Module-level `from openai.types.chat[...] import ...` statements on their own line, with
    the names they import."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return []
    node = statement.body[0]
    if not isinstance(node, cst.ImportFrom) or node.relative or isinstance(node.names, cst.ImportStar):
        return []
    module = _dotted(node.module)
    return [(node, node.names)] if module == CHAT_TYPES or module.startswith(CHAT_TYPES + ".") else []


def _why_not(ctx: FileContext, aliases: Sequence[cst.ImportAlias], names: list[cst.ImportAlias]) -> str | None:
    if not ctx.sites:
        return "the calls whose results they annotate are migrated (there are none in this file)"
    if not all(site.migrate for site in ctx.sites):
        return "every Chat Completions call in this file is migrated"
    if len(names) != len(aliases):
        return "the other names of this import are moved by hand (they have no Responses counterpart)"
    for alias in names:
        name = _bound_name(alias)
        references = _references(ctx, alias)
        if not references or any(not _in_annotation(ctx, reference) for reference in references):
            return f"`{name}` is used only in annotations (it is also used at run time or not at all)"
        if _in_strings(ctx, name):
            return f"`{name}` is no longer written in a string annotation or `__all__` (those are not rewritten)"
    return None


def _references(ctx: FileContext, alias: cst.ImportAlias) -> list[cst.Name]:
    target = alias.asname.name if alias.asname is not None else alias.name
    binding = ctx.tree.binding_at(target)
    return ctx.tree.references(binding) if binding is not None else []


def _in_annotation(ctx: FileContext, reference: cst.Name) -> bool:
    return any(isinstance(ancestor, cst.Annotation) for ancestor in ctx.tree.ancestors(reference))


def _in_strings(ctx: FileContext, name: str) -> bool:
    """Whether `name` is written in a string annotation (`x: "ChatCompletion"`) or in `__all__`."""
    word = re.compile(rf"\b{re.escape(name)}\b")
    return any(
        word.search(literal.value) and any(_names_types(ctx, a) for a in ctx.tree.ancestors(literal))
        for literal in ctx.tree.nodes(cst.SimpleString)
    )


def _names_types(ctx: FileContext, node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Annotation):
        return True
    return isinstance(node, cst.Assign) and any(
        isinstance(t.target, cst.Name) and t.target.value == "__all__" for t in node.targets
    )


def _to_responses_import(node: cst.ImportFrom) -> cst.ImportFrom:
    assert not isinstance(node.names, cst.ImportStar)  # (`_import_froms` leaves `import *` alone)
    aliases = [alias.with_changes(name=cst.Name(NEW_NAMES[_imported(alias)])) for alias in node.names]
    return node.with_changes(module=cst.parse_expression(RESPONSES_TYPES), names=aliases)


def _imported(alias: cst.ImportAlias) -> str:
    return alias.name.value if isinstance(alias.name, cst.Name) else ""


def _bound_name(alias: cst.ImportAlias) -> str:
    if alias.asname is None:
        return _imported(alias)
    assert isinstance(alias.asname.name, cst.Name)  # (an import's `as` target is a name)
    return alias.asname.name.value


def _dotted(node: cst.BaseExpression | None) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""
