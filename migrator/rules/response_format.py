"""RSP009 response-format: `response_format={...}` becomes `text={"format": {...}}`.

What it does

The output format moves under `text.format`, and a JSON schema's fields (`name`, `schema`,
`strict`, `description`) move out of their `json_schema` wrapper into it. A plain
`{"type": "text"}` (the default) is rewritten for both services; JSON formats (`json_object`,
`json_schema`) for OpenAI only. `response_format=<class>` in `parse()` and `stream()` calls is
RSP023's and RSP024's.

Why

Responses moves the output format under `text.format`, and a JSON schema's fields sit directly
in it instead of in a `json_schema` wrapper; passing the Chat object unchanged is rejected.
DashScope's Responses API does not document `text` and was observed to ignore a strict JSON
schema (plain prose came back).

https://developers.openai.com/api/docs/guides/migrate-to-responses

Example

    - response_format={"type": "json_schema", "json_schema": {"name": "fruit", "schema": SCHEMA}},
    + text={"format": {"type": "json_schema", "name": "fruit", "schema": SCHEMA}},

Fix safety

Part of migrating the call (RSP001 decides). Only dict literals are rewritten. Structured output
aimed at DashScope stays on Chat Completions and is reported; aimed at a client whose endpoint
is unknown, it is rewritten only with --unsafe-fixes. `schema` is optional in Chat but required
in Responses, so a schema format without one needs a human, and so do a `json_schema` that is
not a dict literal, keys with no Responses equivalent, and an unknown `type`.

Known problems

None known.

Options

- `--unsafe-fixes`: also rewrite a JSON format for a client whose endpoint is unknown.
- `--ignore RSP009` keeps calls that pass `response_format` on Chat Completions.
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax import dict_element, dict_entries, element_separator, kwarg, literal_string, replace_kwarg
from migrator.analysis import CompletionCall
from migrator.rules.base import FileContext
from migrator.analysis import Provider
from migrator.rules.base import Rule

JSON_TYPES = ("json_object", "json_schema")
SCHEMA_KEYS = frozenset({"name", "schema", "strict", "description"})
DASHSCOPE_ADVICE = (
    "structured output is ignored by DashScope's Responses API; keep this call on Chat Completions "
    "or validate the JSON yourself"
)


class ResponseFormat(Rule):
    code = "RSP009"
    summary = '`response_format={...}` becomes `text={"format": {...}}` (JSON formats: OpenAI only)'
    triggers = ("completions",)

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            arg = site.kwarg("response_format")
            if arg is None or _is_parse_model(site, arg):
                continue
            site.claim("response_format")
            problem, unsafe = _problem(ctx, site, arg.value)
            if problem:
                site.block(self.code, arg, problem, unsafe=unsafe)

    def apply(self, ctx: FileContext) -> None:
        for site in ctx.migrated_sites:
            arg = site.kwarg("response_format")
            if arg is None or _is_parse_model(site, arg):
                continue
            ctx.tree.edit(site.call, _move_to_text)
            ctx.report(arg, self.code, f'`response_format` → `text={{"format": ...}}` ({_format_type(arg.value)})')


def _is_parse_model(site: CompletionCall, arg: cst.Arg) -> bool:
    """`parse(response_format=<class>)` is RSP023's and `stream(response_format=<class>)`
    RSP024's (both become `text_format=`)."""
    return site.method in ("parse", "stream") and not isinstance(arg.value, cst.Dict)


def _problem(ctx: FileContext, site: CompletionCall, value: cst.BaseExpression) -> tuple[str | None, bool]:
    """Why the value cannot be rewritten (and whether the user may accept it), or (None, False)."""
    entries = dict_entries(value) if isinstance(value, cst.Dict) else None
    if entries is None:
        return f"`response_format` is `{ctx.tree.quote(value)}`, not a dict literal; rewrite it by hand", False
    format_type = _format_type(value)
    if format_type == "text":
        return None, False
    if format_type not in JSON_TYPES:
        return (
            f"`response_format` has an unknown `type` ({ctx.tree.quote(entries['type'].value) if 'type' in entries else 'none'})",
            False,
        )
    if format_type == "json_schema":
        problem = _schema_problem(ctx, entries)
        if problem:
            return problem, False
    provider = site.client.target.provider if site.client else Provider.UNKNOWN
    if provider is Provider.DASHSCOPE:
        return f"`{format_type}`: {DASHSCOPE_ADVICE}", False
    if provider is not Provider.OPENAI:
        return f"`{format_type}` works only if the client talks to OpenAI ({DASHSCOPE_ADVICE})", True
    return None, False


def _schema_problem(ctx: FileContext, entries: dict[str, cst.DictElement]) -> str | None:
    extra = sorted(set(entries) - {"type", "json_schema"})
    if extra:
        return f"`response_format` key `{extra[0]}` has no Responses equivalent"
    wrapper = entries.get("json_schema")
    schema = dict_entries(wrapper.value) if wrapper is not None and isinstance(wrapper.value, cst.Dict) else None
    if schema is None:
        return "`json_schema` is not a dict literal, so its fields cannot be moved into `text.format`"
    if "schema" not in schema:
        return "`json_schema` has no `schema`: Responses requires one; add the schema by hand"
    unknown = sorted(set(schema) - SCHEMA_KEYS)
    if unknown:
        return f"`json_schema` key `{unknown[0]}` has no Responses equivalent"
    return None


def _format_type(value: cst.BaseExpression) -> str | None:
    entries = dict_entries(value) if isinstance(value, cst.Dict) else None
    type_entry = (entries or {}).get("type")
    return literal_string(type_entry.value) if type_entry is not None else None


def _move_to_text(call: cst.Call) -> cst.Call:
    arg = kwarg(call, "response_format")
    assert arg is not None  # (`apply` found it in the call)
    value = arg.value
    if isinstance(value, cst.Dict) and _format_type(value) == "json_schema":
        text = _flattened_schema(value)
    else:
        text = cst.Dict([dict_element("format", value)])
    return replace_kwarg(call, "response_format", "text", text)


def _flattened_schema(outer: cst.Dict) -> cst.Dict:
    """`{"type": "json_schema", "json_schema": {fields}}` → `{"format": {"type": "json_schema", fields}}`.

    The `json_schema` dict's braces and layout become those of `format`, and the outer braces
    stay the outer ones, so a multi-line literal keeps its indentation.
    """
    # (`_problem` blocks the call unless both are dict literals with string keys)
    entries = dict_entries(outer)
    assert entries is not None
    inner = entries["json_schema"].value
    assert isinstance(inner, cst.Dict)
    type_element = entries["type"]
    fields = [type_element, *inner.elements]
    separator = element_separator(inner)
    laid_out = [e.with_changes(comma=separator) for e in fields[:-1]]
    laid_out.append(fields[-1].with_changes(comma=inner.elements[-1].comma))
    format_dict = inner.with_changes(elements=laid_out)
    trailing = outer.elements[-1].comma
    return outer.with_changes(elements=[dict_element("format", format_dict).with_changes(comma=trailing)])
