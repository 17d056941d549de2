"""RSP007 no-equivalent-parameter: Chat parameters that the Responses API does not have.

A call that passes one of these stays on Chat Completions, and the finding says what to do
instead: dropping the parameter silently would change what the program does (DashScope's
Responses API even accepts unknown parameters and ignores them). `n=1` is the default and is
simply dropped.

    completion = client.chat.completions.create(..., stop=["\\n"])   # RSP007: trim the text yourself
"""

from __future__ import annotations

import libcst as cst

from migrator._cst_helpers import remove_kwarg
from migrator.engine import FileContext
from migrator.findings import Severity
from migrator.rules import Rule

ADVICE = {
    "n": "Responses returns one answer per request; make N requests (N times the input cost) and drop `n`",
    "stop": "Responses has no stop sequences; cut the text at the stop string yourself after the call",
    "seed": "Responses has no `seed`; results are no longer reproducible by seed, decide whether that matters",
    "presence_penalty": "Responses has no presence penalty; drop it or steer the model in the prompt",
    "frequency_penalty": "Responses has no frequency penalty; drop it or steer the model in the prompt",
    "logit_bias": "Responses has no `logit_bias`; drop it or steer the model in the prompt",
    "logprobs": 'Responses returns log probabilities with `include=["message.output_text.logprobs"]` '
    "on OpenAI only (DashScope returns none); rewrite the code that reads them",
    "top_logprobs": "`top_logprobs` goes with `include=[\"message.output_text.logprobs\"]` on OpenAI only; "
    "rewrite the code that reads them",
    "audio": "Responses has no audio output; keep this call on Chat Completions",
    "modalities": "Responses has no audio output modality; keep this call on Chat Completions",
    "prediction": "Responses has no predicted outputs; drop `prediction` (responses may be slower)",
}


class NoEquivalentParameter(Rule):
    code = "RSP007"
    summary = "parameters with no Responses equivalent (`n` > 1, `stop`, `seed`, penalties, ...) are reported"
    triggers = ("completions",)

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            for name, advice in ADVICE.items():
                arg = site.kwarg(name)
                if arg is None:
                    continue
                site.claim(name)
                if not _is_n_one(arg):
                    site.block(self.code, arg, f"`{name}`: {advice}")

    def apply(self, ctx: FileContext) -> None:
        for site in ctx.migrated_sites:
            arg = site.kwarg("n")
            if arg is not None:
                ctx.tree.edit(site.call, lambda call: remove_kwarg(call, "n"))
                ctx.report(arg, self.code, "`n=1` is the only behavior of Responses; dropped", Severity.ERROR)


def _is_n_one(arg: cst.Arg) -> bool:
    return arg.keyword.value == "n" and isinstance(arg.value, cst.Integer) and arg.value.value == "1"
