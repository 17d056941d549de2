"""RSP010 function-tools: Chat function tools and `tool_choice` take the flat Responses shape.

What it does

`{"type": "function", "function": {"name": ..., "parameters": ...}}` becomes
`{"type": "function", "name": ..., "parameters": ...}`, with `"strict": False` added when
`strict` was left out, and an empty object schema when `parameters` was.

Rewritten: a list literal in the call, or a name assigned a list literal once whose every use
is the `tools=` of a call that is migrated (the definition is rewritten in place); legacy
`functions=[...]` / `function_call=` (they become `tools` / `tool_choice`); `tool_choice`
strings (unchanged) and dicts (`{"type": "function", "function": {"name": N}}` becomes
`{"type": "function", "name": N}`; `allowed_tools` is flattened the same way); custom tools
(OpenAI only). `parallel_tool_calls` is kept as it is.

Why

Responses wants `{"type": "function", "name": ..., "parameters": ...}` where Chat nests the
function under a `"function"` key; both services reject the nested shape. Two defaults differ:
when `strict` is left out, Responses makes the schema strict (every property required, no
extra properties) where Chat did not, so `"strict": False` keeps Chat's behavior; and Responses
requires `parameters`.

https://developers.openai.com/api/docs/guides/function-calling

Example

    - tools=[{"type": "function", "function": {"name": "get_weather", "parameters": PARAMS}}],
    + tools=[{"type": "function", "name": "get_weather", "parameters": PARAMS, "strict": False}],

Fix safety

Part of migrating the call (RSP001 decides). A tool list the tool cannot see whole (a name
assigned anything but a list literal once, a starred element, a tool that is not a dict
literal, a key with no Responses equivalent, a tool without `name`) keeps the call, and so does
a named list also used for anything else. A list shared by several calls changes shape only if
every call passing it is migrated; otherwise they all stay. Both `tools` and `functions` (or
`tool_choice` and `function_call`) in one call need a human.

Reported (DashScope), and the call stays: a `tool_choice` naming one function (DashScope
documents only `"auto"`, `"none"`, `"required"` and `allowed_tools`), `"required"` with several
tools (documented for a single tool), and custom tools (undocumented). For a client whose
endpoint is unknown, a named `tool_choice` and custom tools are assumptions that --unsafe-fixes
accepts, as is a `tool_choice` whose value the tool cannot see. `parallel_tool_calls` migrates,
with a warning on DashScope, whose Responses API accepts it but ignores it.

Known problems

`pydantic_function_tool()` returns the Chat shape, which `responses.create()` does not convert:
it is reported (write the tool as a flat dict, or call `responses.parse()`).

Options

- `--unsafe-fixes`: also rewrite what rests on an assumption (see above).
- `line-length` (or black's): a rewritten tool list is laid out to fit it.
- `--ignore RSP010` keeps calls that pass tools on Chat Completions.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from migrator.syntax import (
    LINE_LIMIT,
    append_elements,
    assigned_value,
    dedent,
    dict_element,
    dict_entries,
    ending_like,
    expression,
    fit,
    indentation,
    line_layout,
    literal_string,
    prepend_element,
    rename_kwarg,
    string,
    with_elements,
)
from migrator.analysis import CompletionCall
from migrator.rules.base import FileContext
from migrator.findings import Severity
from migrator.analysis import Provider
from migrator.rules.base import Rule

TOOL_PARAMS = {"tools": "tool_choice", "functions": "function_call"}
FUNCTION_KEYS = frozenset({"name", "description", "parameters", "strict"})
CUSTOM_KEYS = frozenset({"name", "description", "format"})
CHOICE_STRINGS = {"tool_choice": ("auto", "none", "required"), "function_call": ("auto", "none")}
EMPTY_PARAMETERS = '{"type": "object", "properties": {}}'
PYDANTIC_TOOL = (
    "`pydantic_function_tool()` returns the Chat shape, which `responses.create()` does not convert; "
    "write the tool as a flat dict, or call `responses.parse()`"
)
REQUIRED_WITH_SEVERAL_TOOLS = (
    '`tool_choice="required"` is documented by DashScope\'s Responses API only with a single tool; '
    "keep this call on Chat Completions or offer one tool"
)
NAMED_CHOICE = (
    "a `tool_choice` that names one tool is not documented by DashScope's Responses API (only "
    '`"auto"`, `"none"`, `"required"` and `{"type": "allowed_tools", ...}`)'
)


class FunctionTools(Rule):
    code = "RSP010"
    summary = "function tools, `tool_choice` and legacy `functions` take the flat Responses shape"
    triggers = ("completions",)

    def __init__(self) -> None:
        #: Tool lists defined once and passed by name: the list and every call passing it.
        self.shared: dict[cst.List, list[CompletionCall]] = {}
        self.tool_lists: dict[int, cst.List] = {}

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            tools = self._plan_tools(ctx, site)
            self._plan_choice(ctx, site, tools)
            if site.kwarg("parallel_tool_calls") is not None:
                site.claim("parallel_tool_calls")

    def _plan_tools(self, ctx: FileContext, site: CompletionCall) -> cst.List | None:
        given = [(name, arg) for name in TOOL_PARAMS if (arg := site.kwarg(name)) is not None]
        for name, _ in given:
            site.claim(name)
        if len(given) > 1:
            site.block(self.code, given[1][1], "both `tools` and legacy `functions` are set; merge them by hand")
            return None
        if not given:
            return None
        name, arg = given[0]
        tools = self._tool_list(ctx, site, name, arg)
        if tools is not None:
            self.tool_lists[id(site)] = tools
            for element in tools.elements:
                problem, unsafe = _tool_problem(ctx, element, name == "functions", _provider(site))
                if problem:
                    site.block(self.code, element, problem, unsafe=unsafe)
        return tools

    def _tool_list(self, ctx: FileContext, site: CompletionCall, name: str, arg: cst.Arg) -> cst.List | None:
        """The list literal the argument is, or the one it names; blocks the site otherwise."""
        if isinstance(arg.value, cst.List):
            return arg.value
        list_name = arg.value if isinstance(arg.value, cst.Name) else None
        value = assigned_value(ctx.tree, list_name) if list_name is not None else None
        if list_name is None or not isinstance(value, cst.List):
            site.block(
                self.code,
                arg,
                f"`{name}` is `{ctx.tree.quote(arg.value)}`, not a list literal the tool can see; "
                "convert each tool to the flat Responses shape by hand",
            )
            return None
        calls = {s.call: s for s in ctx.sites}
        for reference in ctx.tree.references(ctx.tree.bindings_of(list_name)[0]):
            parent = ctx.tree.parent(reference)
            passed_to = (
                ctx.tree.parent(parent)
                if isinstance(parent, cst.Arg) and parent.keyword is not None and parent.keyword.value == name
                else None
            )
            if not isinstance(passed_to, cst.Call) or passed_to not in calls:
                context = ctx.tree.parent(parent) if isinstance(parent, cst.Arg) else parent
                site.block(
                    self.code,
                    reference,
                    f"`{list_name.value}` is also used in `{ctx.tree.quote(context or reference)}`, so its definition "
                    "cannot take the Responses shape; convert the tools by hand",
                )
                return None
            if calls[passed_to] not in self.shared.setdefault(value, []):
                self.shared[value].append(calls[passed_to])
        return value

    def _plan_choice(self, ctx: FileContext, site: CompletionCall, tools: cst.List | None) -> None:
        given = [(name, arg) for name in TOOL_PARAMS.values() if (arg := site.kwarg(name)) is not None]
        for name, _ in given:
            site.claim(name)
        if len(given) > 1:
            site.block(self.code, given[1][1], "both `tool_choice` and legacy `function_call` are set; keep one")
        elif given:
            name, arg = given[0]
            problem, unsafe = _choice_problem(ctx, name, arg.value, _provider(site), tools)
            if problem:
                site.block(self.code, arg, problem, unsafe=unsafe)

    def decide(self, ctx: FileContext) -> None:
        """A shared tool list changes shape only if every call passing it is migrated."""
        changed = True
        while changed:
            changed = False
            for site in ctx.sites:
                reason = self._stuck_reason(ctx, site) if site.migrate else None
                if reason is not None:
                    site.migrate, changed = False, True
                    ctx.report(site.call.func, self.code, reason, Severity.WARNING, fixable=False)

    def _stuck_reason(self, ctx: FileContext, site: CompletionCall) -> str | None:
        tools = self.tool_lists.get(id(site))
        sharing = [s for s in self.shared.get(tools, []) if not s.migrate] if tools is not None else []
        if sharing:
            line = ctx.tree.position(sharing[0].call)[0]
            return (
                f"its tool list is also passed to the call on line {line}, which stays on Chat Completions, "
                "so the list keeps the Chat shape and this call stays too"
            )
        results = [s for use in site.uses for s in use.sites if not s.migrate]
        if results:
            line = ctx.tree.position(results[0].call)[0]
            return f"its result shares a name with the call on line {line}, which stays on Chat Completions"
        return None

    def apply(self, ctx: FileContext) -> None:
        done: set[cst.List] = set()
        for site in ctx.migrated_sites:
            tools = self.tool_lists.get(id(site))
            if tools is not None and tools not in done:
                done.add(tools)
                legacy = site.kwarg("functions") is not None
                layout = (*line_layout(ctx.tree, tools), ctx.settings.line_length or LINE_LIMIT)
                ctx.tree.edit(tools, lambda node, legacy=legacy, at=layout: fit(_flat_tool_list(node, legacy), *at))
                ctx.report(tools, self.code, _tools_message(tools, legacy))
            if site.kwarg("functions") is not None:
                ctx.tree.edit(site.call, lambda call: rename_kwarg(call, "functions", "tools"))
            self._apply_choice(ctx, site)
            parallel = site.kwarg("parallel_tool_calls")
            if parallel is not None and _provider(site) is Provider.DASHSCOPE:
                ctx.report(
                    parallel,
                    self.code,
                    "`parallel_tool_calls` is kept, but DashScope's Responses API ignores it: "
                    "check that your code handles one or several tool calls per response",
                    Severity.WARNING,
                    fixable=False,
                )

    def _apply_choice(self, ctx: FileContext, site: CompletionCall) -> None:
        for name in TOOL_PARAMS.values():
            arg = site.kwarg(name)
            if arg is None:
                continue
            if isinstance(arg.value, cst.Dict):
                ctx.tree.edit(arg.value, lambda node, legacy=name == "function_call": _flat_choice(node, legacy))
            if name == "function_call":
                ctx.tree.edit(site.call, lambda call: rename_kwarg(call, "function_call", "tool_choice"))
                ctx.report(arg, self.code, "legacy `function_call` → `tool_choice`")
            elif isinstance(arg.value, cst.Dict):
                ctx.report(arg, self.code, "`tool_choice` → the flat Responses shape")


# -- checks --------------------------------------------------------------------------


def _provider(site: CompletionCall) -> Provider:
    return site.client.target.provider if site.client else Provider.UNKNOWN


def _tool_problem(
    ctx: FileContext, element: cst.BaseElement, legacy: bool, provider: Provider
) -> tuple[str | None, bool]:
    if isinstance(element, cst.StarredElement):
        return "a starred element hides which tools it adds; convert them by hand", False
    value = element.value
    entries = dict_entries(value) if isinstance(value, cst.Dict) else None
    if entries is None:
        if isinstance(value, cst.Call) and ctx.tree.code(value.func).endswith("pydantic_function_tool"):
            return PYDANTIC_TOOL, False
        return f"the tool `{ctx.tree.quote(value)}` is not a dict literal; convert it by hand", False
    if legacy:
        return _fields_problem(entries, FUNCTION_KEYS - {"strict"}, "function"), False
    kind = literal_string(entries["type"].value) if "type" in entries else None
    if kind not in ("function", "custom") or set(entries) != {"type", kind}:
        return f"a tool of the shape `{ctx.tree.quote(value)}` has no rewrite here; convert it by hand", False
    if kind == "custom" and provider is not Provider.OPENAI:
        message = "custom tools are not documented by DashScope's Responses API; keep this call on Chat Completions"
        return message, provider is not Provider.DASHSCOPE
    inner = entries[kind].value
    inner_entries = dict_entries(inner) if isinstance(inner, cst.Dict) else None
    if inner_entries is None:
        return f"the tool's `{kind}` is not a dict literal; convert it by hand", False
    return _fields_problem(inner_entries, FUNCTION_KEYS if kind == "function" else CUSTOM_KEYS, kind), False


def _fields_problem(entries: Mapping[str, cst.DictElement], allowed: frozenset[str], kind: str) -> str | None:
    if "name" not in entries:
        return f"a {kind} tool without a `name` cannot be checked"
    unknown = sorted(set(entries) - allowed)
    return f"the {kind} tool key `{unknown[0]}` has no Responses equivalent" if unknown else None


def _choice_problem(
    ctx: FileContext, name: str, value: cst.BaseExpression, provider: Provider, tools: cst.List | None
) -> tuple[str | None, bool]:
    constant = ctx.analysis.constant_string(value)
    if constant is not None:
        if constant.value not in CHOICE_STRINGS[name]:
            return f"`{name}={constant.value!r}` is not a value this tool knows", False
        if (
            constant.value == "required"
            and provider is Provider.DASHSCOPE
            and tools is not None
            and len(tools.elements) > 1
        ):
            return REQUIRED_WITH_SEVERAL_TOOLS, False
        return None, False
    if not isinstance(value, cst.Dict):
        return f"`{name}` is `{ctx.tree.quote(value)}`; assuming it holds one of {CHOICE_STRINGS[name]}", True
    if name == "function_call":
        kind = "function" if set(dict_entries(value) or {}) == {"name"} else None
    else:
        kind = _choice_kind(value)
    if kind is None:
        return f"`{name}` has a shape this tool does not rewrite: `{ctx.tree.quote(value)}`", False
    if kind in ("function", "custom") and provider is Provider.DASHSCOPE:
        return f"{NAMED_CHOICE}; choose one of those by hand", False
    if kind in ("function", "custom") and provider is not Provider.OPENAI:
        return f"{NAMED_CHOICE}; this works only if the client talks to OpenAI", True
    return None, False


def _choice_kind(choice: cst.Dict) -> str | None:
    """The kind (function, custom or allowed_tools) of a `tool_choice` dict in Chat's shape, else None."""
    entries = dict_entries(choice) or {}
    kind = literal_string(entries["type"].value) if "type" in entries else None
    if kind not in ("function", "custom", "allowed_tools") or set(entries) != {"type", kind}:
        return None
    inner_value = entries[kind].value
    inner = dict_entries(inner_value) if isinstance(inner_value, cst.Dict) else None
    if inner is None:
        return None
    if kind != "allowed_tools":
        return kind if set(inner) == {"name"} else None
    if set(inner) != {"mode", "tools"}:
        return None
    refs = inner["tools"]
    if not isinstance(refs.value, cst.List):
        return None
    ref_kinds = [_choice_kind(e.value) if isinstance(e.value, cst.Dict) else None for e in refs.value.elements]
    return kind if all(k in ("function", "custom") for k in ref_kinds) else None


# -- rewrites --------------------------------------------------------------------------


def _flat_tool_list(tools: cst.List, legacy: bool) -> cst.List:
    flat = _legacy_function if legacy else _flat_tool
    return tools.with_changes(elements=[e.with_changes(value=flat(_literal(e.value))) for e in tools.elements])


def _flat_tool(tool: cst.Dict) -> cst.Dict:
    kind = literal_string(_entries(tool)["type"].value)
    assert kind is not None  # (`_tool_problem` took only "function" and "custom")
    flat = _hoisted(tool, kind)
    return _completed(flat) if kind == "function" else flat


def _legacy_function(function: cst.Dict) -> cst.Dict:
    return _completed(prepend_element(function, dict_element("type", string("function"))))


def _completed(tool: cst.Dict) -> cst.Dict:
    """Add what Chat left to defaults that Responses does not share: `parameters` and `strict`."""
    entries = _entries(tool)
    added = []
    if "parameters" not in entries:
        added.append(dict_element("parameters", expression(EMPTY_PARAMETERS)))
    if "strict" not in entries:
        added.append(dict_element("strict", cst.Name("False")))
    return append_elements(tool, added) if added else tool


def _hoisted(outer: cst.Dict, key: str) -> cst.Dict:
    """`{"type": T, key: {fields}}` → `{"type": T, fields}`, re-indented to the outer level;
    comments between the fields stay with them."""
    entries = _entries(outer)
    inner = _literal(entries[key].value)
    outer_indent, inner_indent = indentation(outer), indentation(inner)
    if outer_indent is None or inner_indent is None:
        return with_elements(outer, [entries["type"], *inner.elements])
    shift = inner_indent - outer_indent
    fields = [dedent(element, shift) for element in inner.elements]
    last_comma = outer.elements[-1].comma
    # (`ending_like` gives `last_comma` back when it is no comma: MaybeSentinel.DEFAULT)
    ending = ending_like(fields[-1].comma, last_comma) if isinstance(last_comma, cst.Comma) else last_comma
    fields[-1] = fields[-1].with_changes(comma=ending)
    after_type = cst.Comma(whitespace_after=dedent(inner.lbrace.whitespace_after, shift))
    closing = _closing(dedent(inner.rbrace.whitespace_before, shift), outer.rbrace.whitespace_before)
    return outer.with_changes(
        elements=[entries["type"].with_changes(comma=after_type), *fields],
        rbrace=outer.rbrace.with_changes(whitespace_before=closing),
    )


def _closing(
    inner: cst.BaseParenthesizableWhitespace, outer: cst.BaseParenthesizableWhitespace
) -> cst.BaseParenthesizableWhitespace:
    """The whitespace before the outer closing brace, keeping a comment that followed the inner one."""
    if not (isinstance(inner, cst.ParenthesizedWhitespace) and isinstance(outer, cst.ParenthesizedWhitespace)):
        return outer
    first_line = inner.first_line if inner.first_line.comment is not None else outer.first_line
    return outer.with_changes(first_line=first_line, empty_lines=[*inner.empty_lines, *outer.empty_lines])


def _flat_choice(choice: cst.Dict, legacy: bool) -> cst.Dict:
    if legacy:  # {"name": N}
        return prepend_element(choice, dict_element("type", string("function")))
    kind = literal_string(_entries(choice)["type"].value)
    assert kind is not None  # (`_choice_kind` took only "function", "custom" and "allowed_tools")
    flat = _hoisted(choice, kind)
    if kind != "allowed_tools":
        return flat
    refs = _entries(flat)["tools"]
    listed = refs.value
    assert isinstance(listed, cst.List)  # (`_choice_kind` took only a list literal)
    new_refs = listed.with_changes(
        elements=[e.with_changes(value=_flat_choice(_literal(e.value), False)) for e in listed.elements]
    )
    return flat.with_changes(elements=[e.with_changes(value=new_refs) if e is refs else e for e in flat.elements])


def _tools_message(tools: cst.List, legacy: bool) -> str:
    what = "legacy `functions` → `tools`" if legacy else "tools → the flat Responses shape"
    if any(_adds_strict(_literal(element.value), legacy) for element in tools.elements):
        what += ' (`"strict": False` keeps Chat\'s non-strict schemas)'
    return what


def _adds_strict(tool: cst.Dict, legacy: bool) -> bool:
    entries = _entries(tool)
    if not legacy:
        if literal_string(entries["type"].value) != "function":
            return False
        entries = _entries(_literal(entries["function"].value))
    return "strict" not in entries


# -- what planning made sure of -----------------------------------------------------------
# A call is migrated only when `_tool_problem` and `_choice_problem` found every tool and the
# tool choice in a shape this rule rewrites: dict literals with string keys all the way down.


def _literal(value: cst.BaseExpression) -> cst.Dict:
    """A tool, a tool's `function` / `custom`, a tool choice or one of its tool references."""
    assert isinstance(value, cst.Dict)
    return value


def _entries(literal: cst.Dict) -> dict[str, cst.DictElement]:
    entries = dict_entries(literal)
    assert entries is not None
    return entries
