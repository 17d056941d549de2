"""RSP003 enable-thinking: DashScope's `extra_body={"enable_thinking": ...}` becomes
`reasoning={"effort": ...}`.

What it does

`True` becomes the effort level chosen with `--thinking-effort` (default `"medium"`, the level
DashScope documents as the default) and `False` becomes `"none"`. `thinking_budget` is removed
and reported, so a human picks an effort level. `extra_body` is dropped when nothing is left in
it; otherwise `reasoning` is added before it.

A DashScope call that never set `enable_thinking` gets nothing added, but a note: some models
think by default on Responses where they did not on Chat (cost and latency);
`--preserve-nonthinking` adds `reasoning={"effort": "none"}` to keep the old behavior (not to a
call that sets `reasoning` or `reasoning_effort` itself).

Why

DashScope's Responses API still accepts `enable_thinking` but says it will be removed and that
`reasoning.effort` wins. `thinking_budget` has no Responses equivalent ("cannot use
thinking_budget to control the maximum thinking length").

Example

    - extra_body={"enable_thinking": True},
    + reasoning={"effort": "medium"},

Fix safety

Part of migrating the call (RSP001 decides). An `enable_thinking` that is not a literal
True/False keeps the call. Any other `extra_body` key that no rule rewrites keeps the call as
it is too (the finding names the key).

Known problems

Removing `thinking_budget` changes how long the model may think: the finding asks for an
effort level that fits the old budget. A call that also sets `reasoning_effort` is reported by
RSP012 (two thinking settings).

Options

- `--thinking-effort LEVEL` (`thinking-effort`): the effort written for `enable_thinking: True`
  (default `medium`).
- `--preserve-nonthinking` (`preserve-nonthinking`): add `reasoning={"effort": "none"}` to
  DashScope calls that never set `enable_thinking`.
- `--ignore RSP003` keeps calls that set `enable_thinking` or `thinking_budget` on Chat
  Completions.
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax import add_kwarg, dict_entries, expression, kwarg, remove_kwarg_keys, replace_kwarg
from migrator.analysis import CompletionCall
from migrator.rules.base import FileContext
from migrator.findings import Severity
from migrator.analysis import Provider
from migrator.rules.base import Rule

HANDLED_KEYS = frozenset({"enable_thinking", "thinking_budget"})


class EnableThinking(Rule):
    code = "RSP003"
    summary = '`extra_body={"enable_thinking": ...}` becomes `reasoning={"effort": ...}`'
    triggers = ("completions",)

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            entries = site.extra_body_entries() or {}
            for key in HANDLED_KEYS & entries.keys():
                site.claim_extra_body(key)
            flag = entries.get("enable_thinking")
            if flag is not None and _flag(flag.value) is None:
                site.block(self.code, flag, "`enable_thinking` is not a literal True/False")

    def apply(self, ctx: FileContext) -> None:
        for site in ctx.migrated_sites:
            entries = site.extra_body_entries() or {}
            if HANDLED_KEYS & entries.keys():
                self._rewrite(ctx, site, entries)
            elif _on_dashscope(site) and not _sets_reasoning(site):
                self._no_thinking_flag(ctx, site)

    def _rewrite(self, ctx: FileContext, site: CompletionCall, entries: dict[str, cst.DictElement]) -> None:
        effort = None
        if "enable_thinking" in entries:
            flag = entries["enable_thinking"].value
            assert isinstance(flag, cst.Name)  # (`plan` blocks a call whose flag is not True / False)
            effort = ctx.settings.thinking_effort if _flag(flag) else "none"
            ctx.report(
                entries["enable_thinking"],
                self.code,
                f'`enable_thinking: {flag.value}` → `reasoning={{"effort": "{effort}"}}`',
            )
        if "thinking_budget" in entries:
            ctx.report(
                entries["thinking_budget"],
                self.code,
                "`thinking_budget` is removed: Responses has no thinking budget; choose a `reasoning.effort` level "
                "(--thinking-effort) that fits the old budget",
                Severity.WARNING,
            )
        reasoning = expression(f'{{"effort": "{effort}"}}') if effort else None
        ctx.tree.edit(site.call, lambda call: _edit_call(call, reasoning))

    def _no_thinking_flag(self, ctx: FileContext, site: CompletionCall) -> None:
        if ctx.settings.preserve_nonthinking:
            ctx.tree.edit(site.call, lambda call: add_kwarg(call, "reasoning", expression('{"effort": "none"}')))
            ctx.report(
                site.call, self.code, 'added `reasoning={"effort": "none"}` to keep the Chat default (no thinking)'
            )
            return
        ctx.report(
            site.call,
            self.code,
            "no `enable_thinking` here: on Responses some Qwen models think by default (more cost and latency); "
            '`reasoning={"effort": "none"}` (or --preserve-nonthinking) keeps answers direct',
            Severity.INFO,
            fixable=False,
        )


def _on_dashscope(site: CompletionCall) -> bool:
    # A call migrated under --unsafe-fixes may have no known client: then nothing is assumed.
    return site.client is not None and site.client.target.provider is Provider.DASHSCOPE


def _sets_reasoning(site: CompletionCall) -> bool:
    # `reasoning_effort` becomes `reasoning` (RSP013): the call already chooses how much to think.
    return site.kwarg("reasoning") is not None or site.kwarg("reasoning_effort") is not None


def _edit_call(call: cst.Call, reasoning: cst.BaseExpression | None) -> cst.Call:
    """Put `reasoning` where `extra_body` was if nothing else is left in it, else just before it."""
    # (`apply` found the thinking keys in the call's `extra_body`: a dict literal with string keys)
    extra_body = kwarg(call, "extra_body")
    entries = (
        dict_entries(extra_body.value) if extra_body is not None and isinstance(extra_body.value, cst.Dict) else None
    )
    assert entries is not None
    if reasoning is not None and set(entries) <= HANDLED_KEYS:
        return replace_kwarg(call, "extra_body", "reasoning", reasoning)
    if reasoning is not None:
        call = add_kwarg(call, "reasoning", reasoning, before="extra_body")
    return remove_kwarg_keys(call, "extra_body", set(HANDLED_KEYS))


def _flag(value: cst.BaseExpression) -> bool | None:
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return value.value == "True"
    return None
