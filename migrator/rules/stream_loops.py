"""RSP022 stream-loops: a `stream=True` call and the loop that reads its chunks become a
Responses stream and a loop that dispatches on `event.type`.

What it does

The loop body is read for each kind of chunk (`migrator/analysis/streams/`) and becomes one
branch per event type:

- `chunk.choices[0].delta.content` → `event.delta` of `response.output_text.delta`;
- DashScope's `delta.reasoning_content` → `event.delta` of `response.reasoning_text.delta`
  (DashScope's API reference) or `response.reasoning_summary_text.delta` (its guides, and
  OpenAI): both are handled;
- `chunk.usage` (with `stream_options={"include_usage": True}`, which RSP011 drops) →
  `event.response.usage` of `response.completed`, or of `response.incomplete` for a stream cut
  short (Chat sent its usage chunk then too); fields renamed (`prompt_tokens` → `input_tokens`,
  ...), through a `usage = event.response.usage` local when read more than once.

The loop variable becomes `event` unless that name is taken. Guards such as `if chunk.choices:`,
`if chunk.choices and chunk.choices[0].delta.content:`, `hasattr(delta, "reasoning_content")`
and locals such as `delta = chunk.choices[0].delta` are decided per kind and disappear. The
consumer may be `for chunk in <call>:`, a name bound to the call, `with <call> as stream:`, sync
or async (`async for`, `await`, `async with`); generators that `yield` the text work the same
way.

Why

A Chat stream yields chunks; a Responses stream yields typed events.

DashScope: https://www.alibabacloud.com/help/en/model-studio/compatibility-with-openai-responses-api

Example

    - for chunk in client.chat.completions.create(model="qwen-plus", messages=messages, stream=True):
    -     if chunk.choices and chunk.choices[0].delta.content:
    -         print(chunk.choices[0].delta.content, end="")
    + for event in client.responses.create(model="qwen-plus", input=messages, stream=True):
    +     if event.type == "response.output_text.delta":
    +         print(event.delta, end="")

Fix safety

Part of migrating the call (RSP001 decides). On chunks that carry neither text nor usage (the
role chunk, the finish chunk, tool-call fragments) the body must do nothing, as they have no
event; doing nothing with an empty string counts (`print(text or "", end="")`, `total += ""`,
and `pieces.append("")` to a list only ever `"".join`-ed), also through a name of the body that
holds it (`text = chunk.choices[0].delta.content or ""`, read nowhere after the loop). A body that
reads anything else (tool-call fragments, `finish_reason`, `chunk.id`), passes the chunk on,
does something on every chunk (counting them, say) or makes another Chat Completions call is
reported and the call stays on Chat Completions. So is a `stream=` that is not a literal True
or False.

Known problems

`with_streaming_response` calls are reported, not rewritten.

Options

`--ignore RSP022` keeps every `stream=True` call on Chat Completions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from migrator.syntax import bare_code, fill, is_inside, literal_bool
from migrator.analysis import CompletionCall
from migrator.analysis import CREATED_TEST, EVENT_TESTS, Specializer
from migrator.analysis import Kind, LoopNames, Unmappable
from migrator.rules.base import FileContext
from migrator.rules.base import Rule
from migrator.analysis import consumer, loop_names, name_is_free

BRANCH_ORDER = (Kind.TEXT, Kind.REASONING, Kind.USAGE)
LABELS = {Kind.TEXT: "text deltas", Kind.REASONING: "reasoning deltas", Kind.USAGE: "usage at the end"}


@dataclass
class LoopPlan:
    loop: cst.For
    names: LoopNames
    branches: dict[Kind, list[cst.BaseStatement]] = field(default_factory=dict)
    #: `usage.prompt_tokens`-style reads after the loop of a name holding the usage.
    renames: list[tuple[cst.Attribute, str]] = field(default_factory=list)
    #: Statements other rules ask to run on the `response.created` event, with `{event}` for
    #: the loop variable (RSP021 remembers the response id there).
    on_created: list[str] = field(default_factory=list)


class StreamLoops(Rule):
    code = "RSP022"
    summary = "`stream=True` calls: the loop over chunks becomes a dispatch on Responses event types"
    triggers = ("completions",)
    keeps_sent_values = True

    def __init__(self) -> None:
        self._plans: dict[int, LoopPlan] = {}

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            arg = site.kwarg("stream")
            if arg is None or literal_bool(arg.value) is False:
                continue
            site.claim("stream")
            if literal_bool(arg.value) is None:
                site.block(
                    self.code,
                    arg,
                    f"`stream={ctx.tree.code(arg.value)}` is not a literal True or False, so the result may be a "
                    "stream or a completion; migrate this call by hand",
                )
            elif site.method == "create" and site.wrapper is None:
                self._plan_site(ctx, site)

    def _plan_site(self, ctx: FileContext, site: CompletionCall) -> None:
        for use in site.uses:
            if use.path == ("close", "()"):
                site.claim_use(use)  # `stream.close()` is the same on a Responses stream
        try:
            found = consumer(ctx.tree, site)
            if found is None:
                return  # nothing loops over the chunks; the analysis reports any other use
            loop, escapes = found
            for node in escapes:
                _unblock(site, node)
            self._plans[id(site)] = site.stream_loop = _plan_loop(ctx, site, loop)
        except Unmappable as problem:
            site.block(self.code, problem.node, f"streaming: {problem.message}")

    def apply(self, ctx: FileContext) -> None:
        for site in ctx.migrated_sites:
            plan = self._plans.get(id(site))
            if plan is None:
                continue
            ctx.tree.edit(plan.loop, lambda loop, plan=plan: _rewrite_loop(loop, plan))
            for node, name in plan.renames:
                ctx.tree.edit(node, lambda n, name=name: n.with_changes(attr=cst.Name(name)))
            read = ", ".join(LABELS[kind] for kind in BRANCH_ORDER if plan.branches.get(kind)) or "nothing read"
            ctx.report(
                plan.loop, self.code, f"the loop over chunks → a loop over Responses events, by `event.type` ({read})"
            )


def _unblock(site: CompletionCall, node: cst.CSTNode) -> None:
    """Drop the analysis's "is iterated over" / "is used as a context manager" block at `node`:
    this rule follows that use. (The engine has no hook for this yet.)"""
    site.blocks[:] = [block for block in site.blocks if not (block.code == "RSP001" and block.node is node)]


# -- reading the loop -------------------------------------------------------------------


def _plan_loop(ctx: FileContext, site: CompletionCall, loop: cst.For) -> LoopPlan:
    tree = ctx.tree
    for other in ctx.sites:
        if other is not site and is_inside(tree, other.call, loop.body):
            raise Unmappable(other.call, "the loop body makes another Chat Completions call; migrate this loop by hand")
    names, renames = loop_names(ctx.tree, loop)
    plan = LoopPlan(loop, names, renames=renames)
    include_usage = _asks_for_usage(site)
    kinds = [Kind.TEXT, Kind.OTHER, Kind.REASONING] + ([Kind.USAGE] if include_usage else [])
    for kind in kinds:
        specializer = Specializer(tree, names, kind, include_usage)
        statements = specializer.run(loop.body)
        if kind is Kind.USAGE and name_is_free(tree, loop, "usage"):
            statements = _with_usage_local(statements, names.event)
        if kind is Kind.OTHER and statements:
            first = specializer.origin.get(id(statements[0]), loop)
            raise Unmappable(
                first,
                f"`{specializer.code(first).split(':')[0]}` also runs on {kind.value}, which have no Responses "
                "event; migrate this loop by hand",
            )
        plan.branches[kind] = statements
    return plan


def _asks_for_usage(site: CompletionCall) -> bool:
    options = site.kwarg("stream_options")
    if options is None or not isinstance(options.value, cst.Dict):
        return False
    return any(
        isinstance(e, cst.DictElement)
        and isinstance(e.key, cst.SimpleString)
        and e.key.evaluated_value == "include_usage"
        and literal_bool(e.value) is True
        for e in options.value.elements
    )


# -- writing the loop -------------------------------------------------------------------


def _with_usage_local(statements: list[cst.BaseStatement], event: str) -> list[cst.BaseStatement]:
    """`usage = event.response.usage` first when the branch reads the usage more than once
    (as one would write it by hand; it also keeps the lines as short as they were)."""

    class _Usage(cst.CSTTransformer):
        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
            if bare_code(updated) != f"{event}.response.usage":
                return updated
            self.count += 1
            return cst.Name("usage")

    usage = _Usage()
    rewritten = []
    for statement in statements:
        new = statement.visit(usage)
        assert isinstance(new, cst.BaseStatement)  # (`_Usage` replaces attributes, never a statement)
        rewritten.append(new)
    if usage.count < 2:
        return statements
    return [cst.parse_statement(f"usage = {event}.response.usage\n"), *rewritten]


def _rewrite_loop(loop: cst.For, plan: LoopPlan) -> cst.For:
    dispatch = None
    for kind in reversed(BRANCH_ORDER):
        statements = plan.branches.get(kind)
        if statements:
            test = fill(EVENT_TESTS[kind], EVENT=cst.Name(plan.names.event))
            dispatch = cst.If(
                test=test, body=cst.IndentedBlock(body=_without_leading_blank(statements)), orelse=dispatch
            )
    if plan.on_created:
        created = [cst.parse_statement(code.format(event=plan.names.event) + "\n") for code in plan.on_created]
        test = fill(CREATED_TEST, EVENT=cst.Name(plan.names.event))
        dispatch = cst.If(test=test, body=cst.IndentedBlock(body=created), orelse=dispatch)
    body: list[cst.BaseStatement] = [dispatch] if dispatch is not None else [cst.SimpleStatementLine([cst.Pass()])]
    body[0] = body[0].with_changes(leading_lines=_comments_above_first(loop.body, body[0]))
    if isinstance(loop.body, cst.IndentedBlock):
        new_body = loop.body.with_changes(body=body)
    else:  # a one-line loop: its comment stays on the header line
        assert isinstance(loop.body, cst.SimpleStatementSuite)  # (the other kind of suite)
        new_body = cst.IndentedBlock(body=body, header=loop.body.trailing_whitespace)
    return loop.with_changes(target=cst.Name(plan.names.event), body=new_body)


def _comments_above_first(original: cst.BaseSuite, dispatch: cst.BaseStatement) -> tuple[cst.EmptyLine, ...]:
    """The comment lines above the body's first statement, unless that statement still opens
    the first branch (which keeps them)."""
    first = original.body[0] if isinstance(original, cst.IndentedBlock) else None
    # (a statement is a statement line or a compound statement: both have leading lines)
    if not isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return ()
    lines = tuple(first.leading_lines)
    if not any(line.comment is not None for line in lines):
        return ()
    branch = dispatch.body.body[0] if isinstance(dispatch, cst.If) else None
    return () if getattr(branch, "leading_lines", None) is first.leading_lines else lines


def _without_leading_blank(statements: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    first = statements[0]
    lines = getattr(first, "leading_lines", ())
    if lines and all(line.comment is None for line in lines):
        statements = [first.with_changes(leading_lines=()), *statements[1:]]
    return statements
