"""RSP013 builtin-tools: DashScope's search and code-interpreter switches become Responses tools.

What it does

- `enable_search: True` adds `{"type": "web_search"}` (`False` is simply dropped);
- `search_options={"search_strategy": "agent_max"}` (with search on) also adds
  `{"type": "web_extractor"}`, the documented equivalent; without search on, `search_options`
  did nothing and is dropped;
- `enable_code_interpreter: True` adds `{"type": "code_interpreter"}` (DashScope needs no
  `container`, though the SDK's types ask for one).

On OpenAI, `web_search_options={...}` becomes a `{"type": "web_search", ...}` tool with the
same options (`user_location` loses its `approximate` wrapper).

The tools are appended to a `tools` list literal, to `[*<name>, ...]` when `tools` is a name,
or become a new `tools=` argument.

Why

In Chat, DashScope turns on its built-in tools with `extra_body` flags; in Responses they are
entries of `tools`.

https://www.alibabacloud.com/help/en/model-studio/compatibility-with-openai-responses-api

Example

    - extra_body={"enable_search": True},
    + tools=[{"type": "web_search"}],

Fix safety

Part of migrating the call (RSP001 decides). A switch that is not a literal True/False keeps
the call. The other `search_options` (`forced_search`, other strategies, citations, freshness,
...) have no documented Responses equivalent and are reported. A call that also forces a tool
choice is reported: the new tools would be candidates for it. `web_search_options` that is not
a dict literal of known options keeps the call. Assumptions, accepted with --unsafe-fixes: a
`tools` argument that is neither a list literal nor a name (taken to be a list), and
`web_search_options` for a client whose endpoint is unknown (on DashScope it is RSP007's).

Known problems

OpenAI's Chat Completions takes `web_search_options` only with its search-preview models, which
its Responses API does not serve (RSP001 keeps those calls): the `web_search` tool needs a model
change that is the user's to make, so that rewrite is not reached in practice.

Options

- `--unsafe-fixes`: also rewrite what rests on an assumption (see above).
- `line-length` (or black's): the new `tools` list is laid out to fit it.
- `--ignore RSP013` keeps calls that use these switches on Chat Completions.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from migrator.syntax import (
    LINE_LIMIT,
    add_kwarg,
    append_elements,
    dict_entries,
    expression,
    fit,
    kwarg,
    line_layout,
    literal_bool,
    literal_string,
    remove_kwarg,
    remove_kwarg_keys,
    replace_kwarg,
    set_kwarg_value,
)
from migrator.analysis import CompletionCall
from migrator.rules.base import FileContext
from migrator.analysis import Provider
from migrator.rules.base import Rule

SWITCHES = {"enable_search": "web_search", "enable_code_interpreter": "code_interpreter"}
HANDLED_KEYS = frozenset({*SWITCHES, "search_options"})
WEB_SEARCH_OPTIONS = frozenset({"search_context_size", "user_location"})
WEB_SEARCH = '{"type": "web_search"}'


class BuiltinTools(Rule):
    code = "RSP013"
    summary = "`enable_search`, `search_options` and `enable_code_interpreter` become Responses `tools`"
    triggers = ("completions",)

    def __init__(self) -> None:
        #: The tools each site gains, as code, and the `extra_body` keys it loses.
        self.plans: dict[int, tuple[list[str], set[str]]] = {}

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            entries = site.extra_body_entries() or {}
            for key in HANDLED_KEYS & entries.keys():
                site.claim_extra_body(key)
            added = self._plan_switches(ctx, site, entries)
            web_search = self._plan_web_search_options(ctx, site)
            if web_search is not None:
                # One web_search tool, with the options, even if `enable_search` asked for it too.
                added = [web_search, *(tool for tool in added if tool != WEB_SEARCH)]
            if added:
                self._check_tools_arg(ctx, site)
            self.plans[id(site)] = (added, entries.keys() & HANDLED_KEYS)

    def _plan_switches(self, ctx: FileContext, site: CompletionCall, entries: dict[str, cst.DictElement]) -> list[str]:
        added = []
        for key, tool in SWITCHES.items():
            if key not in entries:
                continue
            flag = literal_bool(entries[key].value)
            if flag is None:
                site.block(self.code, entries[key], f"`{key}` is not a literal True/False")
            elif flag:
                added.append(f'{{"type": "{tool}"}}')
        options = entries.get("search_options")
        if options is not None and WEB_SEARCH in added:
            for problem in _search_options_problems(ctx, options.value):
                site.block(self.code, options, problem)
            if _is_agent_max(options.value):
                added.append('{"type": "web_extractor"}')
        return added

    def _plan_web_search_options(self, ctx: FileContext, site: CompletionCall) -> str | None:
        """The web_search tool (as code) that OpenAI's `web_search_options` becomes."""
        arg = site.kwarg("web_search_options")
        provider = site.client.target.provider if site.client else Provider.UNKNOWN
        if arg is None or provider is Provider.DASHSCOPE:
            return None  # DashScope: reported by RSP007
        site.claim("web_search_options")
        if provider is not Provider.OPENAI:
            site.block(self.code, arg, "`web_search_options` becomes a `web_search` tool on OpenAI only", unsafe=True)
        entries = dict_entries(arg.value) if isinstance(arg.value, cst.Dict) else None
        if entries is None or not entries.keys() <= WEB_SEARCH_OPTIONS:
            site.block(
                self.code, arg, "`web_search_options` is not a dict literal of known options; rewrite it by hand"
            )
            return None
        fields = ['"type": "web_search"']
        if "search_context_size" in entries:
            fields.append(f'"search_context_size": {ctx.tree.code(entries["search_context_size"].value)}')
        if "user_location" in entries:
            location = _flat_location(ctx, entries["user_location"].value)
            if location is None:
                site.block(self.code, arg, '`user_location` is not `{"type": "approximate", "approximate": {...}}`')
                return None
            fields.append(f'"user_location": {location}')
        return "{" + ", ".join(fields) + "}"

    def _check_tools_arg(self, ctx: FileContext, site: CompletionCall) -> None:
        tools = site.kwarg("tools") or site.kwarg("functions")
        if tools is not None and not isinstance(tools.value, (cst.List, cst.Name)):
            site.block(
                self.code, tools, f"`tools` is `{ctx.tree.code(tools.value)}`; assuming it is a list", unsafe=True
            )
        choice = site.kwarg("tool_choice") or site.kwarg("function_call")
        constant = ctx.analysis.constant_string(choice.value) if choice is not None else None
        if choice is not None and (constant is None or constant.value != "auto"):
            assert choice.keyword is not None  # (found by its keyword)
            site.block(
                self.code,
                choice,
                f"`{choice.keyword.value}` would also apply to the built-in tools this call gains in Responses "
                "(they become entries of `tools`); decide which tools it may force",
            )

    def apply(self, ctx: FileContext) -> None:
        for site in ctx.migrated_sites:
            added, dropped = self.plans.get(id(site), ([], set()))
            if not added and not dropped:
                continue
            new_tools = [expression(code) for code in added]
            layout = (*_tools_layout(ctx, site), ctx.settings.line_length or LINE_LIMIT)
            ctx.tree.edit(
                site.call, lambda call, new=new_tools, keys=dropped, at=layout: _edit_call(call, new, keys, at)
            )
            self._report(ctx, site, added, dropped)

    def _report(self, ctx: FileContext, site: CompletionCall, added: list[str], dropped: set[str]) -> None:
        entries = site.extra_body_entries() or {}
        node = site.kwarg("web_search_options") or (entries[min(dropped)] if dropped else site.call)
        if added:
            ctx.report(node, self.code, f"built-in tools → `tools` entries: {', '.join(added)}")
        else:
            keys = ", ".join(f"`{key}`" for key in sorted(dropped))
            ctx.report(
                node,
                self.code,
                f"{keys} dropped: with the switch off, {'they' if len(dropped) > 1 else 'it'} did nothing",
            )


def _search_options_problems(ctx: FileContext, options: cst.BaseExpression) -> list[str]:
    entries = dict_entries(options) if isinstance(options, cst.Dict) else None
    if entries is None:
        return ["`search_options` is not a dict literal with string keys"]
    problems = []
    for key, element in entries.items():
        if key == "search_strategy" and literal_string(element.value) == "agent_max":
            continue
        if key == "forced_search":
            problems.append(
                '`forced_search` has no documented Responses equivalent; `tool_choice="required"` comes close '
                "only when web_search is the only tool"
            )
        else:
            problems.append(
                f"`search_options` `{key}: {ctx.tree.code(element.value)}` has no documented Responses equivalent"
            )
    return problems


def _is_agent_max(options: cst.BaseExpression) -> bool:
    strategy = (dict_entries(options) or {}).get("search_strategy") if isinstance(options, cst.Dict) else None
    return strategy is not None and literal_string(strategy.value) == "agent_max"


def _flat_location(ctx: FileContext, location: cst.BaseExpression) -> str | None:
    """Chat's `{"type": "approximate", "approximate": {...}}` → Responses' flat location (as code)."""
    entries = dict_entries(location) if isinstance(location, cst.Dict) else None
    if (
        entries is None
        or set(entries) != {"type", "approximate"}
        or literal_string(entries["type"].value) != "approximate"
    ):
        return None
    inner = entries["approximate"].value
    if not isinstance(inner, cst.Dict) or dict_entries(inner) is None:
        return None
    # (every element is a DictElement: dict_entries gives None otherwise)
    elements = [e for e in inner.elements if isinstance(e, cst.DictElement)]
    fields = ['"type": "approximate"', *(f"{ctx.tree.code(e.key)}: {ctx.tree.code(e.value)}" for e in elements)]
    return "{" + ", ".join(fields) + "}"


def _tools_layout(ctx: FileContext, site: CompletionCall) -> tuple[int, int, int]:
    """Where the `tools` list will start: at the list it extends, or where the argument it replaces was."""
    tools = site.kwarg("tools") or site.kwarg("functions")
    if tools is not None:
        return line_layout(ctx.tree, tools.value)
    replaced = site.kwarg("web_search_options") or site.kwarg("extra_body")
    assert replaced is not None  # (what the tools come from, or the keys dropped are in)
    column, block, indent = line_layout(ctx.tree, replaced)
    return column + len("tools="), block, indent


def _edit_call(
    call: cst.Call, new_tools: list[cst.BaseExpression], dropped: set[str], layout: tuple[int, int, int, int]
) -> cst.Call:
    elements = [cst.Element(tool) for tool in new_tools]
    tools = kwarg(call, "tools")
    if elements and tools is not None and isinstance(tools.value, cst.List):
        call = set_kwarg_value(call, "tools", fit(append_elements(tools.value, elements), *layout))
    elif elements and tools is not None:
        call = set_kwarg_value(
            call, "tools", fit(_one_line_list([cst.StarredElement(tools.value), *elements]), *layout)
        )
    elif elements:
        call = _add_tools(call, fit(_one_line_list(elements), *layout), dropped)
    if kwarg(call, "web_search_options") is not None:
        call = remove_kwarg(call, "web_search_options")
    return remove_kwarg_keys(call, "extra_body", dropped)


def _add_tools(call: cst.Call, tools: cst.BaseExpression, dropped: set[str]) -> cst.Call:
    """`tools=` where `web_search_options` or the emptied `extra_body` was, else before `extra_body`."""
    if kwarg(call, "web_search_options") is not None:
        return replace_kwarg(call, "web_search_options", "tools", tools)
    extra_body = kwarg(call, "extra_body")
    if extra_body is not None and set(_entries(extra_body.value)) <= dropped:
        return replace_kwarg(call, "extra_body", "tools", tools)
    return add_kwarg(call, "tools", tools, before="extra_body")


def _entries(extra_body: cst.BaseExpression) -> dict[str, cst.DictElement]:
    """The entries of `extra_body` when the call gains tools from its keys (`enable_search`):
    then it is a dict literal with string keys (`CompletionCall.extra_body_entries`)."""
    entries = dict_entries(extra_body) if isinstance(extra_body, cst.Dict) else None
    assert entries is not None
    return entries


def _one_line_list(elements: Sequence[cst.BaseElement]) -> cst.List:
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return cst.List([e.with_changes(comma=comma) for e in elements[:-1]] + [elements[-1]])
