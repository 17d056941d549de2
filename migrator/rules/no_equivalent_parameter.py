"""RSP007 no-equivalent-parameter: Chat parameters that the Responses API does not have.

What it does

A call that passes one of these stays on Chat Completions, and the finding says what to do
instead. This covers keyword arguments (`n` > 1, `stop`, `seed`, penalties, `logit_bias`,
`logprobs`, `top_logprobs`, `audio`, `modalities`, `prediction`) and DashScope's own
`extra_body` keys (`top_k`, `repetition_penalty`, `vl_high_resolution_images`,
`translation_options`, `result_format`), plus `web_search_options` on DashScope (its options
are not documented for the Responses `web_search` tool). A parameter set to Chat's own default
is simply dropped, with a note: `n=1`, `modalities=["text"]`, `presence_penalty=0`,
`frequency_penalty=0`, `logit_bias={}`, `logprobs=False`, and `None` for `stop`, `seed`, the
penalties, `logit_bias` and `logprobs` (literals only: a value in a name is reported).

Why

Dropping the parameter silently would change what the program does, and DashScope's Responses
API even accepts unknown parameters and ignores them. Some have a different home on OpenAI
(log probabilities come with `include=["message.output_text.logprobs"]`) and none on DashScope,
which returns no log probabilities; the finding says which.

Example

     completion = client.chat.completions.create(..., stop=["\\n"])   # RSP007: trim the text yourself

Fix safety

This rule rewrites nothing but the defaults (a literal equal to Chat's own default, which is
what Responses always does). Every parameter it reports is a hard stop, not an assumption:
--unsafe-fixes does not move the call.

Known problems

Only the parameters above get advice; any other argument no rule rewrites is reported by
RSP001 ("not rewritten by this version") and keeps the call too.

Options

None. With `--ignore RSP007` such calls still stay on Chat Completions (RSP001 reports the
arguments no rule rewrites, without the advice).
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax import literal_string, remove_kwarg
from migrator.analysis import CompletionCall
from migrator.rules.base import FileContext
from migrator.analysis import Provider
from migrator.rules.base import Rule

ADVICE = {
    "n": "Responses returns one answer per request; make N requests (N times the input cost) and drop `n`",
    "stop": "Responses has no stop sequences; cut the text at the stop string yourself after the call",
    "seed": "Responses has no `seed`; results are no longer reproducible by seed, decide whether that matters",
    "presence_penalty": "Responses has no presence penalty; drop it or steer the model in the prompt",
    "frequency_penalty": "Responses has no frequency penalty; drop it or steer the model in the prompt",
    "logit_bias": "Responses has no `logit_bias`; drop it or steer the model in the prompt",
    "logprobs": 'Responses returns log probabilities with `include=["message.output_text.logprobs"]` '
    "on OpenAI only (DashScope returns none); rewrite the code that reads them",
    "top_logprobs": '`top_logprobs` goes with `include=["message.output_text.logprobs"]` on OpenAI only; '
    "rewrite the code that reads them",
    "audio": "Responses has no audio output; keep this call on Chat Completions",
    "modalities": "Responses has no audio output modality; keep this call on Chat Completions",
    "prediction": "Responses has no predicted outputs; drop `prediction` (responses may be slower)",
}
#: Where DashScope's Responses API differs from OpenAI's for the same parameter.
DASHSCOPE_ADVICE = {
    "logprobs": "DashScope's Responses API returns no log probabilities; keep this call on Chat Completions "
    "or stop reading them",
    "top_logprobs": "DashScope's Responses API returns no log probabilities; keep this call on Chat Completions "
    "or stop reading them",
    "web_search_options": "DashScope documents no options for the Responses `web_search` tool (and searches "
    'with `enable_search` in Chat); use `extra_body={"enable_search": True}` without options, or keep this call '
    "on Chat Completions",
}
#: DashScope's own Chat parameters, sent in `extra_body`.
EXTRA_BODY_ADVICE = {
    "top_k": "Responses has no `top_k` (DashScope would ignore it); drop it and tune `temperature` / `top_p` instead",
    "repetition_penalty": "Responses has no repetition penalty (DashScope would ignore it); drop it or steer "
    "the model in the prompt",
    "vl_high_resolution_images": "Responses has no `vl_high_resolution_images`; images would be read at the "
    "default resolution, so keep this call on Chat Completions if that matters",
    "translation_options": "Responses has no `translation_options` (Qwen-MT); keep this call on Chat Completions",
    "result_format": "Responses has no `result_format` (it always returns output items); drop it",
}


class NoEquivalentParameter(Rule):
    code = "RSP007"
    summary = "parameters with no Responses equivalent (`n` > 1, `stop`, `seed`, penalties, `top_k`, ...) are reported"
    triggers = ("completions",)
    # (it drops a parameter that asks for the default: an argument check naming one is not renamed)
    keeps_sent_values = True

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            dashscope = site.client is not None and site.client.target.provider is Provider.DASHSCOPE
            advice = {**ADVICE, **DASHSCOPE_ADVICE} if dashscope else ADVICE
            for name, text in advice.items():
                arg = site.kwarg(name)
                if arg is None:
                    continue
                site.claim(name)
                if not _is_default(name, arg.value):
                    site.block(self.code, arg, f"`{name}`: {text}")
            self._plan_extra_body(site)

    def _plan_extra_body(self, site: CompletionCall) -> None:
        entries = site.extra_body_entries() or {}
        for key in [key for key in entries if key in EXTRA_BODY_ADVICE]:  # as written: TODO lines keep an order
            site.claim_extra_body(key)
            site.block(self.code, entries[key], f"`extra_body` key `{key}`: {EXTRA_BODY_ADVICE[key]}")

    def apply(self, ctx: FileContext) -> None:
        for site in ctx.migrated_sites:
            for name in ADVICE:
                arg = site.kwarg(name)
                if arg is not None and _is_default(name, arg.value):
                    ctx.tree.edit(site.call, lambda call, name=name: remove_kwarg(call, name))
                    ctx.report(
                        arg,
                        self.code,
                        f"`{name}={ctx.tree.code(arg.value)}` is Chat's own default, what Responses always does; "
                        "dropped",
                    )


def _is_default(name: str, value: cst.BaseExpression) -> bool:
    """The value is Chat's own default for `name` (so Responses, which lacks the parameter, does
    the same): `n=1`, `modalities=["text"]`, a penalty of 0, no `stop` / `seed` / `logit_bias`."""
    if isinstance(value, cst.Name) and value.value == "None":
        return name in ("stop", "seed", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs")
    if name == "n":
        return isinstance(value, cst.Integer) and value.value == "1"
    if name == "modalities":
        return (
            isinstance(value, cst.List)
            and len(value.elements) == 1
            and literal_string(value.elements[0].value) == "text"
        )
    if name in ("presence_penalty", "frequency_penalty"):
        return isinstance(value, (cst.Integer, cst.Float)) and float(value.value) == 0
    if name == "logit_bias":
        return isinstance(value, cst.Dict) and not value.elements
    if name == "logprobs":
        return isinstance(value, cst.Name) and value.value == "False"
    return False
