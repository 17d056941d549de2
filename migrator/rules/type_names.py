"""RSP019 type-names: imports and uses of the Chat Completions types and modules are reported;
`ChatCompletion` and three more type names in annotations take their Responses names.

What it does

Every import of `openai.types.chat`, `openai.resources.chat` or `openai.lib.streaming.chat` (or
of a module under them, or of the `Chat` resources `openai.resources` re-exports), wherever it is (at module level, in a function, under `if
TYPE_CHECKING:`, in a `try:`), and every use written out in full (`openai.types.chat.ChatCompletion`
in code or in an annotation) gets one finding: once per import statement, naming what it
imports, and once per use written out; the names an import brings are not reported again where
they are used. Each finding says what takes the name's place on the Responses API, when
something does (`ChatCompletionMessageParam` → `openai.types.responses.ResponseInputItemParam`,
`openai.resources.chat.completions.AsyncCompletions` → `openai.resources.responses.AsyncResponses`,
`ChatCompletionStreamState` → `openai.lib.streaming.responses.ResponseStreamState`), and what to
look at when nothing does (`ChatCompletionMessage`, `Choice`: a Response's `output` items, such
as `ResponseOutputMessage`).

Four names are rewritten rather than reported, where they only annotate results of calls the
tool migrates:

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
wrong for a type checker. Code that builds or reads Chat Completions objects by their types (a
`ChatCompletionMessage` made by hand, a `Choice` in a test, a subclass of `Completions`) is
Chat Completions code even where no call is in sight, and a linter that bans the Chat
Completions API must see it.

OpenAI SDK: https://github.com/openai/openai-python/tree/main/src/openai/types/responses

Example

    - from openai.types.chat import ChatCompletion
    + from openai.types.responses import Response
    - completion: ChatCompletion = client.chat.completions.create(model=MODEL, messages=messages)
    + completion: Response = client.responses.create(model=MODEL, input=messages)

Fix safety

An import is rewritten only in a file where every Chat Completions call is migrated, the import
brings only the four names above and every use of each is an annotation (`completion:
ChatCompletion = ...`, `messages: list[ChatCompletionMessageParam]`). Annotations do nothing at
run time, so the rewrite cannot change behavior; a name also used at run time (`isinstance`,
`cast`, a type alias), inside a string, or in a file whose calls stay on Chat Completions is
reported instead. Every other import and use is only reported: the Responses types have other
fields, so the code that uses them changes too.

Known problems

Only names that resolve, through the file's imports, to the openai package are reported: the
`types.chat` modules of other SDKs (`groq`, `together`, `zhipuai`, `volcenginesdkarkruntime`,
...), a module of the project called `chat`, and `openai.types.chat_model` (shared with
Responses) are left alone, and strings and comments are not read. The files of a copy of the
openai package kept in the project (a folder `openai/`) are not reported. An import of the four
names inside a function or a `try:`, or one that also brings other names, is reported, not
rewritten; a name written in a string annotation or in `__all__` is not rewritten either (the
import is reported). A name reached through `getattr` or `importlib` is not seen.

Options

`--ignore RSP019` leaves the imports and annotations as they are, unreported (the calls still
migrate); `# migrator: ignore[RSP019]` on an import's first line or a use's line leaves that
one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import libcst as cst

from migrator.analysis import module_name
from migrator.findings import Severity
from migrator.rules.base import FileContext, Rule
from migrator.syntax import SourceTree

CHAT_TYPES = "openai.types.chat"
RESPONSES_TYPES = "openai.types.responses"
NEW_NAMES = {
    "ChatCompletion": "Response",
    "ChatCompletionChunk": "ResponseStreamEvent",
    "ChatCompletionMessageParam": "ResponseInputItemParam",
    "ChatCompletionToolParam": "FunctionToolParam",
}


class Family:
    """One of the Chat Completions modules: what it holds, the Responses module that replaces
    it, and what takes the place of its names there (read from the openai package:
    tests/rules/test_type_names.py imports every one)."""

    def __init__(
        self, module: str, kind: str, responses: str, counterparts: dict[str, str], notes: dict[str, str]
    ) -> None:
        self.module = module
        self.kind = kind  # what the module holds, in the singular: "type", "resource", "streaming helper"
        self.responses = responses
        #: Name → the qualified Responses name that takes its place.
        self.counterparts = counterparts
        #: Name with no counterpart → what to look at instead.
        self.notes = notes

    def replacement(self, name: str) -> str:
        """What takes the place of `name` (a name of the module, or of a module under it) on the
        Responses API, as a finding says it."""
        if name in self.counterparts:
            return f"`{self.counterparts[name]}`"
        if _is_module(name):
            return f"`{self.responses}`"
        return f"none ({self.notes.get(name, 'no Responses counterpart known to migrator')})"


_OUTPUT_ITEMS = "`output` items, such as `ResponseOutputMessage`, hold the reply"
_NO_MESSAGE = f"a Response's {_OUTPUT_ITEMS}"
_NO_CHOICES = f"a Response has no choices: its {_OUTPUT_ITEMS}"
TYPES = Family(
    CHAT_TYPES,
    "type",
    RESPONSES_TYPES,
    {
        **{name: f"{RESPONSES_TYPES}.{new}" for name, new in NEW_NAMES.items()},
        "ChatCompletionFunctionToolParam": f"{RESPONSES_TYPES}.FunctionToolParam",
        "ChatCompletionCustomToolParam": f"{RESPONSES_TYPES}.CustomToolParam",
        "ChatCompletionToolUnionParam": f"{RESPONSES_TYPES}.ToolParam",
        "ChatCompletionSystemMessageParam": f"{RESPONSES_TYPES}.EasyInputMessageParam",
        "ChatCompletionDeveloperMessageParam": f"{RESPONSES_TYPES}.EasyInputMessageParam",
        "ChatCompletionUserMessageParam": f"{RESPONSES_TYPES}.EasyInputMessageParam",
        "ChatCompletionToolMessageParam": f"{RESPONSES_TYPES}.response_input_item_param.FunctionCallOutput",
        "ChatCompletionMessageToolCall": f"{RESPONSES_TYPES}.ResponseFunctionToolCall",
        "ChatCompletionMessageFunctionToolCall": f"{RESPONSES_TYPES}.ResponseFunctionToolCall",
        "ChatCompletionMessageCustomToolCall": f"{RESPONSES_TYPES}.ResponseCustomToolCall",
        "ChatCompletionMessageToolCallParam": f"{RESPONSES_TYPES}.ResponseFunctionToolCallParam",
        "ChatCompletionMessageFunctionToolCallParam": f"{RESPONSES_TYPES}.ResponseFunctionToolCallParam",
        "ChatCompletionContentPartParam": f"{RESPONSES_TYPES}.ResponseInputContentParam",
        "ChatCompletionContentPartTextParam": f"{RESPONSES_TYPES}.ResponseInputTextParam",
        "ChatCompletionContentPartImageParam": f"{RESPONSES_TYPES}.ResponseInputImageParam",
        "ChatCompletionContentPartInputAudioParam": f"{RESPONSES_TYPES}.ResponseInputAudioParam",
        "ChatCompletionNamedToolChoiceParam": f"{RESPONSES_TYPES}.ToolChoiceFunctionParam",
        "ChatCompletionNamedToolChoiceCustomParam": f"{RESPONSES_TYPES}.ToolChoiceCustomParam",
        "ChatCompletionAllowedToolChoiceParam": f"{RESPONSES_TYPES}.ToolChoiceAllowedParam",
        "CompletionCreateParams": f"{RESPONSES_TYPES}.ResponseCreateParams",
        "ParsedChatCompletion": f"{RESPONSES_TYPES}.ParsedResponse",
        "ParsedChatCompletionMessage": f"{RESPONSES_TYPES}.ParsedResponseOutputMessage",
        "ParsedFunctionToolCall": f"{RESPONSES_TYPES}.ParsedResponseFunctionToolCall",
    },
    {
        "ChatCompletionMessage": _NO_MESSAGE,
        "ParsedChoice": _NO_CHOICES,
        "Choice": _NO_CHOICES,
        "ChoiceDelta": "a stream sends events, such as `ResponseTextDeltaEvent`, not deltas of a message",
        "ChatCompletionAssistantMessageParam": (
            "its text is an `EasyInputMessageParam` with the role `assistant`, "
            "its `tool_calls` are `ResponseFunctionToolCallParam` items"
        ),
        "Function": "a `ResponseFunctionToolCall` holds `name` and `arguments` itself",
    },
)
RESOURCES = Family(
    "openai.resources.chat",
    "resource",
    "openai.resources.responses",
    {
        f"{prefix}{name}{suffix}": f"openai.resources.responses.{prefix}{new}{suffix}"
        for name, new in (("Completions", "Responses"), ("Messages", "InputItems"))
        for prefix in ("", "Async")
        for suffix in ("", "WithRawResponse", "WithStreamingResponse")
    },
    {
        f"{prefix}Chat{suffix}": (
            "`client.chat.completions` becomes `client.responses`, an `openai.resources.responses.Responses`"
        )
        for prefix in ("", "Async")
        for suffix in ("", "WithRawResponse", "WithStreamingResponse")
    },
)
STREAMING = Family(
    "openai.lib.streaming.chat",
    "streaming helper",
    "openai.lib.streaming.responses",
    {
        **{
            f"{prefix}ChatCompletion{name}": f"openai.lib.streaming.responses.{prefix}Response{name}"
            for prefix, name in (("", "Stream"), ("Async", "Stream"), ("", "StreamManager"), ("Async", "StreamManager"))
        },
        "ChatCompletionStreamState": "openai.lib.streaming.responses.ResponseStreamState",
        "ChatCompletionStreamEvent": "openai.lib.streaming.responses.ResponseStreamEvent",
        "ContentDeltaEvent": f"{RESPONSES_TYPES}.ResponseTextDeltaEvent",
        "ContentDoneEvent": f"{RESPONSES_TYPES}.ResponseTextDoneEvent",
        "RefusalDeltaEvent": f"{RESPONSES_TYPES}.ResponseRefusalDeltaEvent",
        "RefusalDoneEvent": f"{RESPONSES_TYPES}.ResponseRefusalDoneEvent",
        "FunctionToolCallArgumentsDeltaEvent": f"{RESPONSES_TYPES}.ResponseFunctionCallArgumentsDeltaEvent",
        "FunctionToolCallArgumentsDoneEvent": f"{RESPONSES_TYPES}.ResponseFunctionCallArgumentsDoneEvent",
    },
    {"ChunkEvent": "raw Chat chunks have no Responses equivalent"},
)
FAMILIES = (TYPES, RESOURCES, STREAMING)
#: The names `openai.resources` re-exports from `openai.resources.chat`.
RESOURCES_REEXPORTS = frozenset(RESOURCES.notes)
SILENCE = "`--ignore RSP019` or `# migrator: ignore[RSP019]` silences this"


class TypeNames(Rule):
    code = "RSP019"
    summary = (
        "annotations take Responses names (`ChatCompletion` → `Response`, ...); other imports and uses of "
        "`openai.types.chat`, `resources.chat`, `lib.streaming.chat` are reported"
    )
    triggers = ("chat", "Chat")
    keeps_sent_values = True

    def apply(self, ctx: FileContext) -> None:
        renames = [
            (node, aliases)
            for line in _module_statements(ctx.tree.module)
            for node, aliases in _import_froms(line)
            if all(_imported(alias) in NEW_NAMES for alias in aliases)
        ]
        handled = {id(statement) for statement, _ in renames}
        reports = [report for report in _chat_imports(ctx.tree) if id(report[0]) not in handled]
        reports += _chat_uses(ctx.tree)
        if (renames or reports) and _in_the_openai_package(ctx):
            return  # a copy of the SDK in the project: its own modules are not the user's code
        for statement, aliases in renames:
            self._check_import(ctx, statement, aliases)
        for node, message in reports:
            ctx.report(node, self.code, f"{message}; {SILENCE}", Severity.WARNING, fixable=False)

    def _check_import(self, ctx: FileContext, node: cst.ImportFrom, names: Sequence[cst.ImportAlias]) -> None:
        reason = _why_not(ctx, names)
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


# -- what is reported ------------------------------------------------------------------------


def _family(qualified: str) -> Family | None:
    """The Chat Completions module `qualified` is, or is under (`openai.types.chat_model` is not)."""
    for family in FAMILIES:
        if qualified == family.module or qualified.startswith(family.module + "."):
            return family
    if qualified.startswith("openai.resources.") and qualified.removeprefix("openai.resources.") in RESOURCES_REEXPORTS:
        return RESOURCES
    return None


def _chat_imports(tree: SourceTree) -> list[tuple[cst.CSTNode, str]]:
    """Each import statement of a Chat Completions module or of names from one, anywhere in the
    file, with its message: once per statement, naming what it imports."""
    reports: list[tuple[cst.CSTNode, str]] = []
    for node in tree.nodes(cst.ImportFrom):
        if node.relative:
            continue  # a module of the project (or of the package itself)
        module = _dotted(node.module)
        family = _family(module)
        if isinstance(node.names, cst.ImportStar):
            if family is not None:
                reports.append(
                    (node, f"Chat Completions {family.kind}s imported from `{module}` (`*`) → `{family.responses}`")
                )
        elif family is not None:
            listed = ", ".join(f"`{_imported(alias)}` → {family.replacement(_imported(alias))}" for alias in node.names)
            reports.append((node, f"Chat Completions {family.kind}s imported from `{module}`: {listed}"))
        else:  # `from openai.types import chat`, `from openai.resources import Chat`
            found = [_imported_module(tree, f"{module}.{_imported(alias)}", alias) for alias in node.names]
            if any(found):
                reports.append((node, "; ".join(message for message in found if message)))
    for statement in tree.nodes(cst.Import):
        found = [_imported_module(tree, _dotted(alias.name), alias) for alias in statement.names]
        if any(found):
            reports.append((statement, "; ".join(message for message in found if message)))
    return reports


def _imported_module(tree: SourceTree, qualified: str, alias: cst.ImportAlias) -> str | None:
    """What an import of `qualified`, a Chat Completions module (or a name `openai.resources`
    re-exports from one), says; None for any other."""
    family = _family(qualified)
    if family is None:
        return None
    module, name = qualified.rsplit(".", 1)
    if not _is_module(name):
        return f"Chat Completions {family.kind}s imported from `{module}`: `{name}` → {family.replacement(name)}"
    bound = f" as `{tree.code(alias.asname.name)}`" if alias.asname is not None else ""
    return f"the Chat Completions {family.kind}s module `{qualified}` imported{bound} → `{family.responses}`"


def _chat_uses(tree: SourceTree) -> list[tuple[cst.CSTNode, str]]:
    """Each use of a Chat Completions module written out through a module that is not one
    (`openai.types.chat.ChatCompletion` after `import openai`, `types.chat.Choice` after `from
    openai import types`), once, at the whole name down to its first class: the uses of a name
    or module an import of the module binds are not (the import is)."""
    reports: list[tuple[cst.CSTNode, str]] = []
    for word in ("chat", *sorted(RESOURCES_REEXPORTS)):
        for name in tree.names_valued(word):
            node = tree.parent(name)
            if not isinstance(node, cst.Attribute) or node.attr is not name:
                continue
            qualified = tree.qualified_name(node)
            family = _family(qualified) if qualified is not None else None
            if family is None:
                continue  # not the SDK's (the dotted names of imports do not resolve: not loads)
            parent = tree.parent(node)
            while _is_module(node.attr.value) and isinstance(parent, cst.Attribute) and parent.value is node:
                node, parent = parent, tree.parent(parent)
            written = tree.qualified_name(node)
            assert written is not None  # (an attribute of a name that resolves)
            last = written.rsplit(".", 1)[1]
            if _is_module(last):
                message = f"the Chat Completions {family.kind}s module `{written}` → `{family.responses}`"
            else:
                message = f"Chat Completions {family.kind} `{written}` → {family.replacement(last)}"
            reports.append((node, message))
    return sorted(reports, key=lambda report: tree.position(report[0]))


def _is_module(name: str) -> bool:
    """The openai package names its modules in lower case and its classes and type aliases in
    CamelCase (PEP 8)."""
    return name[:1].islower()


def _in_the_openai_package(ctx: FileContext) -> bool:
    """Whether the file is a module of a package named `openai` (a copy of the SDK kept in the
    project, which the project index skips too)."""
    module = ctx.analysis.module
    if module is None and not ctx.filename.startswith("<"):
        module = module_name(Path(ctx.filename))
    return module is not None and module.split(".")[0] == "openai"


# -- the four names rewritten ------------------------------------------------------------------


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


def _why_not(ctx: FileContext, names: Sequence[cst.ImportAlias]) -> str | None:
    if not ctx.sites:
        return "the calls whose results they annotate are migrated (there are none in this file)"
    if not all(site.migrate for site in ctx.sites):
        return "every Chat Completions call in this file is migrated"
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
