"""RSP001 chat-completions-create: `client.chat.completions.create(messages=...)` becomes
`client.responses.create(input=...)`.

What it does

`<client>.chat.completions.create(...)` becomes `<client>.responses.create(...)`, and its
`messages=` argument becomes `input=`. `await`, `with_raw_response` and
`client.beta.chat.completions` forms are handled the same way. Parameters that mean the same on
both APIs pass through unchanged (`temperature`, `top_p`, `user`, `store`, `timeout`,
`extra_headers`, `extra_query`, `service_tier`, `safety_identifier`, `prompt_cache_key`, and
`stream=False`), and so do reads of the result's `id`, `model` and `headers`; every other
argument and every other read of the result is left to the rule that rewrites it.

This rule also decides whether a call may move at all (see Fix safety). Its code names the
findings about a call as a whole: the client, the model, the messages, and any argument or read
of the result that no rule rewrites.

Why

The Responses API takes the conversation as `input`, where a list of plain role/content
messages is valid as it is, and answers with a Response (output items and their `output_text`)
instead of `choices`. DashScope serves it at the same `/compatible-mode/v1` base URL as Chat
Completions, for the models its documentation lists.

DashScope: https://www.alibabacloud.com/help/en/model-studio/compatibility-with-openai-responses-api

Example

    - completion = client.chat.completions.create(model="qwen-plus", messages=messages)
    + completion = client.responses.create(model="qwen-plus", input=messages)

Fix safety

The call is rewritten only when everything about it is understood: the receiver is an OpenAI
SDK client (`OpenAI` / `AsyncOpenAI` from `openai`, held in a variable, an attribute such as
`self.client`, or returned by a factory function in the same file), the client points at
OpenAI or at DashScope's OpenAI-compatible endpoint, the model is one DashScope's Responses
API supports (for DashScope clients), every argument is one some rule rewrites, the
`messages` list holds only plain role/content messages, and every read of the result is one
some rule rewrites. Otherwise the call stays on Chat Completions and each reason is reported
where it occurs; when there are several, only the most decisive kind is reported (the
provider, then the model, then a feature with no Responses equivalent, then what the tool
cannot prove).

Hard stops: a client on another provider (also one whose model shows it is elsewhere, such as
`OpenAI()` sending `qwen-vl-max`), a region or endpoint that does not serve Responses, a model
missing from DashScope's list, an OpenAI model served on Chat Completions only (`o1-mini`,
`o1-preview`, the search and audio previews: migrator/data/openai.toml), on an endpoint the code
does not show a model no Responses API serves (`qwen-max`, `deepseek-chat`), a `chat.completions` method or wrapper no rule rewrites
(`with_streaming_response`). Assumptions, rewritten only with --unsafe-fixes and reported even
then: a receiver that could not be shown to be an OpenAI SDK client, an unknown endpoint,
`store=True` on OpenAI (its stored chat completions, which evals and distillation read, never
see a Response), a model that is not a constant, messages that come from the caller, text content the tool cannot
see (a parameter without a `str` annotation, say).
A receiver shown to be something else (a client of another SDK, an instance of a class of the
file that has no base class) is neither reported nor rewritten.

Known problems

Clients are followed across modules only among the files of one run: `migrator check
src/shop/support.py` alone does not see `src/shop/llm.py`. A client passed around as a function
argument without an `OpenAI` annotation, or stored on another object, is reported, not
followed. A result kept in a class attribute is reported and the call stays; a result kept in a
module-level name is followed within its file only, so another module that imports it would
still read Chat's shape after `apply` (docs/known-limits.md).

Options

- `--unsafe-fixes` (`unsafe-fixes`): also make the rewrites that rest on an assumption (each one
  is still reported).
- `--extra-model NAME` (`extra-models`): accept this model on DashScope too.
- `--follow-imports` / `--no-follow-imports` (`follow-imports`, default on): follow clients that
  one module makes and others import.
- `[tool.migrator.providers]`: the provider of a gateway or proxy host the tool cannot
  recognize (`dashscope`, `openai`, or `other` to never migrate its calls).
- `[tool.migrator.base-urls]` and `[tool.migrator.models]`: where a base URL the code cannot show
  points (`"$LLM_BASE_URL" = "dashscope"`, `"settings.LLM_BASE_URL" = "https://..."`, `"*"` for
  every other one), and which models a value the code cannot show may be (`"$LLM_MODEL" =
  ["qwen-plus"]`). A call they settle migrates with a note that names the declaration; what the
  code shows always wins; a finding they would settle names the one to add (docs/cli.md).
- `--ignore RSP001` keeps every call on Chat Completions.
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax import rename_kwarg
from migrator.analysis import MODEL, PASS_THROUGH, PROVIDER, CompletionCall
from migrator.analysis import messages_problems
from migrator.rules.base import FileContext
from migrator.findings import Severity
from migrator.analysis import (
    Provider,
    base_url_hint,
    dashscope_facts,
    model_maker,
    openai_chat_only,
    supported_models,
)
from migrator.rules.base import Rule

#: Result fields with the same name and meaning on a Response.
SAME_FIELDS = frozenset({("id",), ("model",), ("headers",)})


class ChatCompletionsCreate(Rule):
    code = "RSP001"
    summary = "`chat.completions.create(messages=...)` becomes `responses.create(input=...)`"
    triggers = ("completions",)
    keeps_sent_values = True

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            self._plan_site(ctx, site)

    def _plan_site(self, ctx: FileContext, site: CompletionCall) -> None:
        tree = ctx.tree
        other = ctx.analysis.other_client(site.receiver) if site.client is None else None
        if other is not None:
            site.block(
                self.code,
                site.receiver,
                f"`{tree.code(site.receiver)}` may be {other}; the call stays on Chat Completions",
                kind=PROVIDER,
            )
        elif site.client is None:
            site.block(
                self.code,
                site.receiver,
                f"`{tree.code(site.receiver)}` could not be shown to be an OpenAI SDK client",
                unsafe=True,
            )
        else:
            self._plan_target(site)
        if site.wrapper == "with_streaming_response":
            site.block(self.code, site.call.func, "`with_streaming_response` calls are not rewritten by this version")
        stream = site.kwarg("stream")
        # `stream=True` is claimed by the streaming rule when it can rewrite the loop that
        # reads the chunks; `parse` and `stream` methods likewise by the rules that know them.
        if stream is not None and isinstance(stream.value, cst.Name) and stream.value.value == "False":
            site.claim("stream")
        site.claimed_params.update(name for name in PASS_THROUGH if site.kwarg(name) is not None)
        self._plan_store(site)
        self._plan_model(ctx, site)
        self._plan_messages(ctx, site)
        for use in site.uses:
            if use.path in SAME_FIELDS or use.path[:1] in SAME_FIELDS:
                site.claim_use(use)

    def _plan_store(self, site: CompletionCall) -> None:
        """`store=True` on OpenAI's Chat Completions keeps the completion among its stored
        completions (listed by `chat.completions.list()`, the data of evals and distillation);
        a Response is stored as a Response, which those never see. The program prints the same,
        but what it feeds does not get it: an assumption, said even when made."""
        arg = site.kwarg("store")
        if arg is None or (isinstance(arg.value, cst.Name) and arg.value.value == "False"):
            return
        if site.client is not None and site.client.target.provider is Provider.DASHSCOPE:
            return  # (DashScope documents no stored chat completions)
        site.block(
            self.code,
            arg,
            "`store=True` keeps the completion among OpenAI's stored chat completions (for evals and "
            "distillation); a Response is stored as a Response, which those never see: this assumes "
            "nothing uses the stored completions",
            unsafe=True,
        )

    def _plan_target(self, site: CompletionCall) -> None:
        client = site.client
        assert client is not None  # (`_plan_site` asks only for a site with a client)
        target = client.target
        if target.provider is Provider.OTHER:
            site.block(
                self.code,
                site.receiver,
                f"the client is not on OpenAI or DashScope ({target.evidence}); it stays on Chat Completions",
                kind=PROVIDER,
            )
        elif target.unsupported:
            site.block(self.code, site.receiver, f"the client's {target.evidence}: {target.unsupported}", kind=PROVIDER)
        elif target.provider is Provider.UNKNOWN:
            site.block(self.code, site.receiver, f"the client's endpoint is unknown: {target.evidence}", unsafe=True)
        if not client.proven:
            site.block(self.code, site.receiver, "the client is only assumed to be an OpenAI SDK client", unsafe=True)

    def _plan_model(self, ctx: FileContext, site: CompletionCall) -> None:
        arg = site.kwarg("model")
        if arg is None:
            return
        site.claim("model")
        if site.client is None:
            return
        # A parameter's model is what every call of its function passes (analysis/callers.py);
        # where the code does not show it, what [tool.migrator.models] declares.
        models = ctx.analysis.model_strings(arg.value, ctx.settings.declared_models)
        target = site.client.target
        if target.provider is Provider.OPENAI and not target.configured:  # (a configured gateway: the user's word)
            self._plan_openai_model(site, arg, models.candidates)
        if target.provider in (Provider.OPENAI, Provider.UNKNOWN):
            self._plan_chat_only_model(ctx, site, arg, models.candidates)
        # On DashScope, or on an endpoint that is DashScope by default: an unlisted model fails there.
        if Provider.DASHSCOPE not in (target.provider, target.likely):
            return
        supported = supported_models(ctx.settings.extra_models)
        for value, origin in models.candidates:
            if value not in supported:
                where = f" ({origin})" if origin else ""
                # A client on DashScope by declaration: said, so that a wrong declaration shows.
                declared = f" (the client is on DashScope by {'; '.join(target.declared)})" if target.declared else ""
                site.block(
                    self.code,
                    arg,
                    f"the model {value!r}{where} is not documented as supported by DashScope's Responses API "
                    f"(list of {dashscope_facts()['snapshot']}){declared}; keep Chat Completions, change the model, "
                    "or add it with --extra-model",
                    kind=MODEL,
                )
                return
        if not models.complete:
            known = "; ".join(
                f"{origin} is {value!r}" if origin else repr(value) for value, origin in models.candidates
            )
            another = f"it may hold another: {models.why}" if models.why else "a caller may pass another"
            known = f" ({known}, and {another})" if known else f" ({another})" if models.why else ""
            hint = f"; {models.hint}" if models.hint else ""
            site.block(
                self.code,
                arg,
                f"the model `{ctx.tree.code(arg.value)}` is not a constant{known}, so it cannot be checked "
                f"against the models DashScope's Responses API supports{hint}",
                unsafe=True,
            )

    def _plan_chat_only_model(
        self, ctx: FileContext, site: CompletionCall, arg: cst.Arg, candidates: list[tuple[str, str]]
    ) -> None:
        """A model no Responses API the tool knows serves keeps the call, whatever the endpoint:
        an OpenAI model served on Chat Completions only (`o1-mini`), or, on an endpoint the code
        does not show, another provider's model that DashScope does not list (`qwen-max`,
        `deepseek-chat`): no endpoint it may be would take it."""
        unknown = site.client is not None and site.client.target.provider is Provider.UNKNOWN
        for value, origin in candidates:
            where = f" ({origin})" if origin else ""
            if openai_chat_only(value):
                reason = "OpenAI serves it on Chat Completions only"
            elif unknown and model_maker(value) == "other" and value not in supported_models(ctx.settings.extra_models):
                reason = (
                    "it is not an OpenAI model, and DashScope does not list it for Responses "
                    f"(list of {dashscope_facts()['snapshot']})"
                )
            else:
                continue
            site.block(
                self.code,
                arg,
                f"the model {value!r}{where} has no Responses API the tool knows: {reason}; keep this call on "
                "Chat Completions or change the model",
                kind=MODEL,
            )
            return

    def _plan_openai_model(self, site: CompletionCall, arg: cst.Arg, candidates: list[tuple[str, str]]) -> None:
        """A client that looks like OpenAI's but sends another provider's model talks to that
        provider through a setting the code does not show (OPENAI_BASE_URL, a proxy):
        `OpenAI()` sending "qwen-vl-max" is not on OpenAI."""
        client = site.client
        assert client is not None  # (`_plan_model` asks only for a site with a client)
        target = client.target
        for value, origin in candidates:
            if model_maker(value) == "other":
                where = f" ({origin})" if origin else ""
                if target.declared:
                    site.block(
                        self.code,
                        arg,
                        f"the client is on OpenAI by {'; '.join(target.declared)}, but the model {value!r}{where} "
                        "is not an OpenAI model; correct the declaration or the model",
                        kind=PROVIDER,
                    )
                    return
                seems = (
                    "the client has no base_url, which means OpenAI"
                    if target.by_default
                    else f"the client seems to be on OpenAI ({target.evidence})"
                )
                # Where the environment decides, declaring where it points settles it too.
                declare = f", or {base_url_hint(list(target.declarable))}" if target.declarable else ""
                site.block(
                    self.code,
                    arg,
                    f"{seems}, but the model {value!r}{where} is not an OpenAI model: its endpoint is set where "
                    "the code does not show (OPENAI_BASE_URL?); give the client its base_url so the tool can tell "
                    f"which API it talks to{declare}",
                    kind=PROVIDER,
                )
                return

    def _plan_messages(self, ctx: FileContext, site: CompletionCall) -> None:
        arg = site.kwarg("messages")
        if arg is None:
            return
        site.claim("messages")

        # Tool results and assistant tool calls are converted by RSP015 when it runs, content
        # parts by RSP025.
        problems = messages_problems(
            ctx.tree,
            arg.value,
            ctx.is_reply,
            function_items=ctx.settings.rule_enabled("RSP015"),
            contents=ctx.analysis.contents,
            parts=ctx.settings.rule_enabled("RSP025"),
        )
        for problem in problems:
            site.block(self.code, problem.node, problem.message, unsafe=problem.unsafe)

    def apply(self, ctx: FileContext) -> None:
        for site in ctx.migrated_sites:
            ctx.tree.edit(site.chat_completions, _to_responses)
            ctx.tree.edit(site.call, lambda call: rename_kwarg(call, "messages", "input"))
            method = f"{site.wrapper}.{site.method}" if site.wrapper else site.method
            ctx.report(
                site.call.func,
                self.code,
                f"`chat.completions.{method}()` → `responses.{method}()`",
                Severity.ERROR,
            )
            self._report_declarations(ctx, site)

    def _report_declarations(self, ctx: FileContext, site: CompletionCall) -> None:
        """A rewrite that rests on the user's declarations says which (the user's word, not an
        assumption: no --unsafe-fixes needed, but a wrong one would show here)."""
        target = site.client.target if site.client is not None else None
        if target is not None and target.declared:
            ctx.report(site.receiver, self.code, f"rewritten on a declaration: {target.evidence}", Severity.INFO, False)
        arg = site.kwarg("model")
        if arg is None:
            return
        models = ctx.analysis.model_strings(arg.value, ctx.settings.declared_models)
        if models.declared:
            ctx.report(
                arg,
                self.code,
                f"rewritten on a declaration: the model `{ctx.tree.quote(arg.value, 60)}` is {_one_of(models.candidates)} "
                f"({'; '.join(models.declared)})",
                Severity.INFO,
                False,
            )


def _one_of(candidates: list[tuple[str, str]]) -> str:
    """`'qwen-plus'`, or `one of 'qwen-plus', 'qwen3-max'`."""
    values = ", ".join(repr(value) for value, _ in candidates)
    return values if len(candidates) == 1 else f"one of {values}"


def _to_responses(node: cst.Attribute) -> cst.Attribute:
    """`<receiver>.chat.completions` (or `<receiver>.beta.chat.completions`) → `<receiver>.responses`."""
    chat = node.value
    assert isinstance(chat, cst.Attribute)  # (`site.chat_completions` is `<receiver>.chat.completions`)
    receiver = chat.value
    if isinstance(receiver, cst.Attribute) and receiver.attr.value == "beta":
        receiver = receiver.value
    return cst.Attribute(value=receiver, attr=cst.Name("responses"))
