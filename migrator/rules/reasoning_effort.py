"""RSP012 reasoning-effort: `reasoning_effort` and `verbosity` move into `reasoning` and `text`.

What it does

`reasoning_effort="low"` becomes `reasoning={"effort": "low"}` (the same levels) and
`verbosity="low"` becomes `text={"verbosity": "low"}`, merged into the `text` dict that a
rewritten `response_format` makes (RSP009).

Why

Responses groups the reasoning settings under `reasoning` and the text output settings under
`text`.

https://developers.openai.com/api/docs/guides/migrate-to-responses

Example

    - client.chat.completions.create(..., reasoning_effort="low", verbosity="low")
    + client.responses.create(..., reasoning={"effort": "low"}, text={"verbosity": "low"})

Fix safety

Part of migrating the call (RSP001 decides). A call that also sets DashScope's
`enable_thinking` (which becomes `reasoning` too, RSP003) has two thinking settings; a human
picks one, and the call stays until then.

Known problems

None known.

Options

`--ignore RSP012` keeps calls that pass these on Chat Completions.
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax import append_elements, dict_element, kwarg, remove_kwarg, replace_kwarg, set_kwarg_value
from migrator.rules.base import FileContext
from migrator.rules.base import Rule


class ReasoningEffort(Rule):
    code = "RSP012"
    summary = '`reasoning_effort` / `verbosity` become `reasoning={"effort": ...}` / `text={"verbosity": ...}`'
    triggers = ("completions",)

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            for name in ("reasoning_effort", "verbosity"):
                if site.kwarg(name) is not None:
                    site.claim(name)
            effort = site.kwarg("reasoning_effort")
            thinking = (site.extra_body_entries() or {}).get("enable_thinking")
            if effort is not None and thinking is not None:
                site.block(
                    self.code,
                    effort,
                    "both `reasoning_effort` and `enable_thinking` set the thinking; both become `reasoning`, "
                    "so keep only one",
                )

    def apply(self, ctx: FileContext) -> None:
        for site in ctx.migrated_sites:
            effort = site.kwarg("reasoning_effort")
            if effort is not None:
                ctx.tree.edit(site.call, _effort_to_reasoning)
                ctx.report(effort, self.code, '`reasoning_effort` → `reasoning={"effort": ...}`')
            verbosity = site.kwarg("verbosity")
            if verbosity is not None:
                ctx.tree.edit(site.call, _verbosity_to_text)
                ctx.report(verbosity, self.code, '`verbosity` → `text={"verbosity": ...}`')


def _effort_to_reasoning(call: cst.Call) -> cst.Call:
    effort = _value(call, "reasoning_effort")
    reasoning = cst.Dict([dict_element("effort", effort)])
    if kwarg(call, "reasoning") is not None:
        # --preserve-nonthinking (RSP003) added a default; the call's own setting wins.
        return remove_kwarg(set_kwarg_value(call, "reasoning", reasoning), "reasoning_effort")
    return replace_kwarg(call, "reasoning_effort", "reasoning", reasoning)


def _verbosity_to_text(call: cst.Call) -> cst.Call:
    """Into the `text` dict the call already has (from `response_format`), or a new one."""
    verbosity = _value(call, "verbosity")
    text = kwarg(call, "text")
    if text is not None and isinstance(text.value, cst.Dict):
        merged = append_elements(text.value, [dict_element("verbosity", verbosity)])
        return remove_kwarg(set_kwarg_value(call, "text", merged), "verbosity")
    return replace_kwarg(call, "verbosity", "text", cst.Dict([dict_element("verbosity", verbosity)]))


def _value(call: cst.Call, name: str) -> cst.BaseExpression:
    """The value of keyword `name`, which `apply` found in the call before editing it."""
    arg = kwarg(call, name)
    assert arg is not None
    return arg.value
