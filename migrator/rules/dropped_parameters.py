"""RSP011 dropped-parameters: request options that Responses does not need.

What it does

- `stream_options={"include_usage": True}` is dropped. Other `stream_options` keys are
  reported.
- DashScope's `extra_body={"incremental_output": ...}` is dropped.
- `metadata` is kept, and reported on DashScope.

Why

A Responses stream always ends with an event that carries the usage. DashScope fixes
`incremental_output` to true in OpenAI-compatible mode, and Responses streams are always
incremental deltas. DashScope's Responses API ignores `metadata` (it is echoed in the reply
and not stored).

https://www.alibabacloud.com/help/en/model-studio/compatibility-with-openai-responses-api

Example

    - client.chat.completions.create(..., stream_options={"include_usage": True})
    + client.responses.create(...)

Fix safety

Part of migrating the call (RSP001 decides). `stream_options` other than exactly
`{"include_usage": True}` keeps the call.

Known problems

On DashScope, code that relied on `metadata` being stored must keep the values itself.

Options

`--ignore RSP011` keeps calls that pass these options on Chat Completions.
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax import dict_entries, literal_bool, remove_kwarg, remove_kwarg_keys
from migrator.analysis import CompletionCall
from migrator.rules.base import FileContext
from migrator.findings import Severity
from migrator.analysis import Provider
from migrator.rules.base import Rule


class DroppedParameters(Rule):
    code = "RSP011"
    summary = '`stream_options={"include_usage": True}` and `incremental_output` are dropped; `metadata` is kept'
    triggers = ("completions",)

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            if "incremental_output" in (site.extra_body_entries() or {}):
                site.claim_extra_body("incremental_output")
            if site.kwarg("metadata") is not None:
                site.claim("metadata")
            options = site.kwarg("stream_options")
            if options is not None:
                site.claim("stream_options")
                if not _only_include_usage(options.value):
                    site.block(
                        self.code,
                        options,
                        '`stream_options`: only `{"include_usage": True}` has a known Responses equivalent '
                        "(usage always arrives on the last event); rewrite the rest by hand",
                    )

    def apply(self, ctx: FileContext) -> None:
        for site in ctx.migrated_sites:
            options = site.kwarg("stream_options")
            if options is not None:
                ctx.tree.edit(site.call, lambda call: remove_kwarg(call, "stream_options"))
                ctx.report(options, self.code, "`stream_options` dropped: a Responses stream always reports usage")
            flag = (site.extra_body_entries() or {}).get("incremental_output")
            if flag is not None:
                ctx.tree.edit(site.call, lambda call: remove_kwarg_keys(call, "extra_body", {"incremental_output"}))
                ctx.report(flag, self.code, "`incremental_output` dropped: Responses streams are always incremental")
            self._metadata_note(ctx, site)

    def _metadata_note(self, ctx: FileContext, site: CompletionCall) -> None:
        metadata = site.kwarg("metadata")
        if metadata is not None and site.client is not None and site.client.target.provider is Provider.DASHSCOPE:
            ctx.report(
                metadata,
                self.code,
                "`metadata` is kept, but DashScope's Responses API ignores it (not stored with the response); "
                "keep the values yourself if you need them",
                Severity.WARNING,
                fixable=False,
            )


def _only_include_usage(value: cst.BaseExpression) -> bool:
    entries = dict_entries(value) if isinstance(value, cst.Dict) else None
    return (
        entries is not None
        and set(entries) == {"include_usage"}
        and literal_bool(entries["include_usage"].value) is True
    )
