"""RSP023 structured-outputs: `chat.completions.parse(response_format=Model)` becomes
`responses.parse(text_format=Model)`, and `.choices[0].message.parsed` becomes `.output_parsed`.

What it does

`client.chat.completions.parse(...)` and `client.beta.chat.completions.parse(...)` become
`client.responses.parse(...)`, the class passed as `response_format` is passed as
`text_format`, and `.choices[0].message.parsed` on the result becomes `.output_parsed`. A
`response_format` dict literal is RSP009's (it becomes `text={"format": ...}`, which
`responses.parse` accepts too).

Why

Both send the model's JSON schema and validate the answer into the model;
`client.responses.parse(...)` does it with the class passed as `text_format`, and puts the
validated object on `output_parsed` (None when the answer has no text).

https://platform.openai.com/docs/guides/structured-outputs ·
https://www.alibabacloud.com/help/en/model-studio/qwen-structured-output

Example

    - completion = client.beta.chat.completions.parse(model=MODEL, messages=messages, response_format=City)
    - city = completion.choices[0].message.parsed
    + completion = client.responses.parse(model=MODEL, input=messages, text_format=City)
    + city = completion.output_parsed

Fix safety

Part of migrating the call (RSP001 decides). DashScope's Responses API does not enforce
structured output: it ignores `text.format` and answers in prose, which `responses.parse` then
fails to validate. A `parse` call with a `response_format` aimed at DashScope stays on Chat
Completions and is reported. A client whose endpoint is unknown is rewritten only with
--unsafe-fixes.

Known problems

`with_raw_response.parse()` and other wrapped forms are not rewritten by this version.

Options

- `--unsafe-fixes`: also rewrite a `parse` call whose client's endpoint is unknown.
- `--ignore RSP023` keeps every `parse` call on Chat Completions.
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax import is_written, kwarg, replace_kwarg
from migrator.analysis import CompletionCall
from migrator.rules.base import FileContext
from migrator.analysis import Provider
from migrator.rules.base import Rule

PARSED_PATH = ("choices", 0, "message", "parsed")
DASHSCOPE_MESSAGE = (
    "structured output is not enforced by DashScope's Responses API; keep Chat Completions " "or validate JSON yourself"
)


class StructuredOutputs(Rule):
    code = "RSP023"
    summary = "`chat.completions.parse(response_format=Model)` becomes `responses.parse(text_format=Model)` (OpenAI)"
    triggers = ("completions",)  # acts only on `chat.completions.parse` calls

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            if site.method == "parse":
                self._plan_site(ctx, site)

    def _plan_site(self, ctx: FileContext, site: CompletionCall) -> None:
        site.method_claimed = True
        if site.wrapper is not None:
            site.block(self.code, site.call.func, f"`{site.wrapper}.parse()` is not rewritten by this version")
        arg = site.kwarg("response_format")
        if arg is not None and not isinstance(arg.value, cst.Dict):  # a dict is RSP009's
            site.claim("response_format")
            self._plan_provider(site, arg)
        for use in site.uses:
            node = use.node_for(PARSED_PATH)
            if node is not None and not is_written(ctx.tree, node):
                site.claim_use(use)

    def _plan_provider(self, site: CompletionCall, arg: cst.Arg) -> None:
        provider = site.client.target.provider if site.client else Provider.UNKNOWN
        if provider is Provider.DASHSCOPE:
            site.block(self.code, arg, DASHSCOPE_MESSAGE)
        elif provider is not Provider.OPENAI:
            site.block(
                self.code, arg, f"`parse()` works only if the client talks to OpenAI ({DASHSCOPE_MESSAGE})", unsafe=True
            )

    def apply(self, ctx: FileContext) -> None:
        for site in ctx.migrated_sites:
            if site.method != "parse":
                continue
            arg = site.kwarg("response_format")
            if arg is not None and not isinstance(arg.value, cst.Dict):
                ctx.tree.edit(site.call, to_text_format)
                ctx.report(arg, self.code, "`response_format=<class>` → `text_format=<class>` (`responses.parse`)")
        for use in ctx.migrated_uses():
            node = use.node_for(PARSED_PATH)
            if node is None or is_written(ctx.tree, node) or any(s.method != "parse" for s in use.sites):
                continue
            ctx.tree.edit(
                node, lambda n: cst.Attribute(value=n.value.value.value.value, attr=cst.Name("output_parsed"))
            )
            ctx.report(node, self.code, "`.choices[0].message.parsed` → `.output_parsed`")


def to_text_format(call: cst.Call) -> cst.Call:
    """`response_format=Model` → `text_format=Model`."""
    arg = kwarg(call, "response_format")
    assert arg is not None  # (the edit is made for a call that has it)
    return replace_kwarg(call, "response_format", "text_format", arg.value)
