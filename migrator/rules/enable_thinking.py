"""RSP003 enable-thinking: DashScope's `extra_body={"enable_thinking": ...}` becomes
`reasoning={"effort": ...}`.

`True` becomes the effort level chosen with `--thinking-effort` (default `"medium"`, the level
DashScope documents as the default) and `False` becomes `"none"`. DashScope's Responses API
still accepts `enable_thinking` but says it will be removed and that `reasoning.effort` wins.
`thinking_budget` has no Responses equivalent ("cannot use thinking_budget to control the
maximum thinking length"): it is removed and reported so a human picks an effort level.
`extra_body` is dropped when nothing is left in it. Other `extra_body` keys are not rewritten
by this version, so such calls stay as they are.

A DashScope call that never set `enable_thinking` gets nothing added, but a note: some models
think by default on Responses where they did not on Chat (cost and latency);
`--preserve-nonthinking` adds `reasoning={"effort": "none"}` to keep the old behavior.

    - extra_body={"enable_thinking": True},
    + reasoning={"effort": "medium"},
"""

from __future__ import annotations

import libcst as cst

from migrator._cst_helpers import add_kwarg, dict_entries, expression, remove_dict_keys, remove_kwarg, replace_kwarg
from migrator.analysis import CompletionCall
from migrator.engine import FileContext
from migrator.findings import Severity
from migrator.providers import Provider
from migrator.rules import Rule

HANDLED_KEYS = frozenset({"enable_thinking", "thinking_budget"})


class EnableThinking(Rule):
    code = "RSP003"
    summary = '`extra_body={"enable_thinking": ...}` becomes `reasoning={"effort": ...}`'
    triggers = ("completions",)

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            arg = site.kwarg("extra_body")
            if arg is None:
                continue
            entries = dict_entries(arg.value) if isinstance(arg.value, cst.Dict) else None
            if entries is None:
                site.claim("extra_body")
                site.block(self.code, arg, "`extra_body` is not a dict literal with string keys, so it cannot be checked")
                continue
            # Claimed even when blocked below: the blocks say exactly which key stops the call.
            site.claim("extra_body")
            for key, element in entries.items():
                if key == "enable_thinking" and _flag(element.value) is None:
                    site.block(self.code, element, "`enable_thinking` is not a literal True/False")
                elif key not in HANDLED_KEYS:
                    site.block(
                        self.code,
                        element,
                        f"`extra_body` key {key!r} is not rewritten by this version "
                        "(DashScope's Responses API ignores keys it does not document)",
                    )

    def apply(self, ctx: FileContext) -> None:
        for site in ctx.migrated_sites:
            arg = site.kwarg("extra_body")
            if arg is not None:
                self._rewrite(ctx, site, arg)
            elif site.client.target.provider is Provider.DASHSCOPE and site.kwarg("reasoning") is None:
                self._no_thinking_flag(ctx, site)

    def _rewrite(self, ctx: FileContext, site: CompletionCall, arg: cst.Arg) -> None:
        entries = dict_entries(arg.value)
        effort = None
        if "enable_thinking" in entries:
            effort = ctx.settings.thinking_effort if _flag(entries["enable_thinking"].value) else "none"
            ctx.report(
                entries["enable_thinking"],
                self.code,
                f'`enable_thinking: {entries["enable_thinking"].value.value}` → `reasoning={{"effort": "{effort}"}}`',
            )
        if "thinking_budget" in entries:
            ctx.report(
                entries["thinking_budget"],
                self.code,
                "`thinking_budget` is removed: Responses has no thinking budget; choose a `reasoning.effort` level "
                "(--thinking-effort) that fits the old budget",
                Severity.WARNING,
            )
        remaining = set(entries) - HANDLED_KEYS
        reasoning = expression(f'{{"effort": "{effort}"}}') if effort else None
        ctx.tree.edit(site.call, lambda call: _edit_call(call, reasoning, bool(remaining)))

    def _no_thinking_flag(self, ctx: FileContext, site: CompletionCall) -> None:
        if ctx.settings.preserve_nonthinking:
            ctx.tree.edit(site.call, lambda call: add_kwarg(call, "reasoning", expression('{"effort": "none"}')))
            ctx.report(site.call, self.code, 'added `reasoning={"effort": "none"}` to keep the Chat default (no thinking)')
            return
        ctx.report(
            site.call,
            self.code,
            "this call did not set `enable_thinking`; on Responses some Qwen models think by default "
            '(more cost and latency); add `reasoning={"effort": "none"}` or use --preserve-nonthinking to keep answers direct',
            Severity.INFO,
            fixable=False,
        )


def _edit_call(call: cst.Call, reasoning: cst.BaseExpression | None, keep_extra_body: bool) -> cst.Call:
    arg = next(a for a in call.args if a.keyword is not None and a.keyword.value == "extra_body")
    if keep_extra_body:
        trimmed = remove_dict_keys(arg.value, set(HANDLED_KEYS))
        call = replace_kwarg(call, "extra_body", "extra_body", trimmed)
        return add_kwarg(call, "reasoning", reasoning, before="extra_body") if reasoning is not None else call
    if reasoning is not None:
        return replace_kwarg(call, "extra_body", "reasoning", reasoning)
    return remove_kwarg(call, "extra_body")


def _flag(value: cst.BaseExpression) -> bool | None:
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return value.value == "True"
    return None
