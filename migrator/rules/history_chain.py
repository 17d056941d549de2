"""RSP021 history-chain: a conversation kept by hand in a list becomes a
`previous_response_id` chain.

What it does

The append of each assistant reply is replaced by remembering that response's id and emptying
the list, and every later call passes `previous_response_id`. The user turns are still
appended where they were, so the order in which the program does things does not change; the
first call still sends the initial messages (system message included). Per-request settings
(model, reasoning, tools, sampling) stay on every call, because a chain does not carry them
over.

The list may be a local or module-level variable (straight-line turns, or one call in a `for` /
`while` loop, where the id starts as None before the loop), or `self.<attr>` in the methods of
one class (the id is kept on the instance, `self.previous_response_id`, and reset to None
wherever the list is assigned). A reply added up from a stream (`reply += <text delta>` on
every chunk, rewritten by RSP022) chains too: the id is taken from the `response.created`
event. docs/chains.md shows every shape.

Why

The Responses API keeps the conversation on the server: each call names the response it
follows and sends only the new turn.

Example

    - messages.append(completion.choices[0].message)
    + previous_response_id = completion.id
    + messages.clear()  # the server keeps the conversation: send only new turns
      messages.append({"role": "user", "content": question})
    - completion = client.chat.completions.create(model=MODEL, messages=messages)
    + completion = client.responses.create(model=MODEL, input=messages, previous_response_id=previous_response_id)

Fix safety

A chain is made only among calls the engine migrates, and only where the tool can prove the
list is used for nothing but feeding the calls (`migrator/analysis/chains.py`): changed only by
`.append(...)` statements, read only by the calls, nothing between a call and the append of
its reply that could skip it, and `store` not false. Where the proof fails, the calls keep
sending the whole list (`input=messages`, still migrated) and a note names the use that
stopped the chain.

Every chain made is reported: DashScope keeps response ids for 7 days, and `store` must stay
true.

Known problems

Code in other modules is not seen: if another module reads `bot.messages` or
`module.history`, it sees only the turns since the last reply after the rewrite. A streamed
reply collected as a list of pieces and `"".join(...)`-ed is not followed, so the history is
sent whole.

Options

- `--no-history-chains` (`history-chains = false`) or `--ignore RSP021`: no chains; the history is
  still migrated and sent whole.
- `--session-cache` (`session-cache`): the client of a chain also gets DashScope's
  `x-dashscope-session-cache: enable` header (billed differently; never added without the
  option).
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax import add_kwarg, dict_entries, expression, kwarg, set_kwarg_value
from migrator.analysis import CompletionCall
from migrator.rules.base import FileContext
from migrator.findings import Severity
from migrator.analysis import Chain, find_conversations
from migrator.analysis import Provider, dashscope_facts
from migrator.rules.base import Rule

SESSION_CACHE_HEADER = "x-dashscope-session-cache"
CLEAR_COMMENT = "# the server keeps the conversation: send only new turns"


class HistoryChain(Rule):
    code = "RSP021"
    summary = "a conversation kept by hand in a list becomes a `previous_response_id` chain"
    triggers = ("completions",)

    def __init__(self) -> None:
        self.chains: list[Chain] = []

    def decide(self, ctx: FileContext) -> None:
        if not ctx.settings.history_chains:
            return
        self.chains, refusals = find_conversations(ctx.tree, ctx.sites)
        for chain in self.chains:
            for statement, _ in chain.replies:
                ctx.remove(statement)
        for refusal in refusals:
            ctx.report(
                refusal.node,
                self.code,
                f"the conversation in `{refusal.list_name}` keeps resending the whole history "
                f"(no previous_response_id chain): {refusal.reason}",
                Severity.INFO,
                fixable=False,
            )

    def apply(self, ctx: FileContext) -> None:
        for chain in self.chains:
            if chain.owner is not None:
                self._rewrite(ctx, chain, _InstanceId(_free_attribute(ctx, "previous_response_id")))
            else:
                self._rewrite(ctx, chain, _LocalId(_free_name(ctx, chain, "previous_response_id")))
            ctx.report(
                chain.sites[0].call,
                self.code,
                f"the conversation in `{chain.list_name}` now chains `previous_response_id`: the server keeps "
                f"the history {_keeping(chain)}",
                Severity.INFO,
            )

    def _rewrite(self, ctx: FileContext, chain: Chain, id_holder: _LocalId | _InstanceId) -> None:
        config = ctx.tree.module.config_for_parsing
        for statement, result_name in chain.replies:
            appended_to = _appended_to(statement)
            clear = cst.parse_statement(f"{ctx.tree.code(appended_to)}.clear()  {CLEAR_COMMENT}\n", config)
            if result_name is None:  # streamed: the id is remembered in the loop over events
                ctx.tree.edit(statement, lambda old, c=clear: c.with_changes(leading_lines=old.leading_lines))
                continue
            remember = cst.parse_statement(f"{id_holder.code(appended_to)} = {result_name}.id\n", config)
            ctx.tree.edit(
                statement,
                lambda old, r=remember, c=clear: cst.FlattenSentinel(
                    [r.with_changes(leading_lines=old.leading_lines), c]
                ),
            )
        for site in chain.streamed:
            holder = id_holder.code(_sent_list(site))
            # (a streamed reply is added up in the loop over the chunks, which RSP022 rewrites)
            assert site.stream_loop is not None
            site.stream_loop.on_created.append(f"{holder} = {{event}}.response.id")
        chained = chain.sites if chain.chains_first_call else chain.sites[1:]
        for site in chained:
            previous = expression(id_holder.code(_sent_list(site)))
            ctx.tree.edit(site.call, lambda call, p=previous: add_kwarg(call, "previous_response_id", p))
        if chain.loop is not None:
            start = cst.parse_statement(f"{id_holder.code(None)} = None\n", config)
            ctx.tree.edit(
                chain.loop,
                lambda loop: cst.FlattenSentinel(
                    [start.with_changes(leading_lines=loop.leading_lines), loop.with_changes(leading_lines=[])]
                ),
            )
        if chain.owner is not None:
            # Wherever the list starts afresh, so does the chain.
            for assign, _ in chain.owner.assignments:
                start = cst.parse_statement(f"{id_holder.code(assign.targets[0].target)} = None\n", config)
                assign_line = ctx.tree.parent(assign)
                assert assign_line is not None  # (the statement line of the assignment)
                ctx.tree.edit(assign_line, lambda line, s=start: cst.FlattenSentinel([line, s]))
        if ctx.settings.session_cache:
            self._add_session_cache(ctx, chain)

    def _add_session_cache(self, ctx: FileContext, chain: Chain) -> None:
        client = chain.sites[0].client
        if client is None or client.target.provider is not Provider.DASHSCOPE:
            return  # (None: a client not shown to be one, migrated under --unsafe-fixes)
        constructor = client.constructor
        headers = kwarg(constructor, "default_headers") if constructor is not None else None
        literal = headers is None or (isinstance(headers.value, cst.Dict) and dict_entries(headers.value) is not None)
        if constructor is None or not literal:
            ctx.report(
                chain.sites[0].call,
                self.code,
                f'--session-cache: add `"{SESSION_CACHE_HEADER}": "enable"` to this client\'s default_headers yourself',
                Severity.WARNING,
                fixable=False,
            )
            return
        ctx.tree.edit(constructor, _with_session_cache)
        ctx.report(constructor, self.code, f"--session-cache: `{SESSION_CACHE_HEADER}: enable` added to the client")


def _with_session_cache(call: cst.Call) -> cst.Call:
    headers = kwarg(call, "default_headers")
    if headers is None:
        return add_kwarg(call, "default_headers", expression(f'{{"{SESSION_CACHE_HEADER}": "enable"}}'))
    # (the edit is made only when `default_headers` is a dict literal with string keys)
    assert isinstance(headers.value, cst.Dict)
    entries_by_key = dict_entries(headers.value)
    assert entries_by_key is not None
    if SESSION_CACHE_HEADER in entries_by_key:
        return call
    entries = list(headers.value.elements)
    header = expression(f'{{"{SESSION_CACHE_HEADER}": "enable"}}')
    assert isinstance(header, cst.Dict)  # (a dict literal)
    new_entry = header.elements[0]
    if entries:
        entries[-1] = entries[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return set_kwarg_value(call, "default_headers", headers.value.with_changes(elements=[*entries, new_entry]))


def _appended_to(statement: cst.SimpleStatementLine) -> cst.BaseExpression:
    """The list of a reply's `<list>.append(<reply>)` line (`Chain.replies`)."""
    expr = statement.body[0]
    # (`find_conversations` takes only such a line, alone on its line)
    assert (
        isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call) and isinstance(expr.value.func, cst.Attribute)
    )
    return expr.value.func.value


def _sent_list(site: CompletionCall) -> cst.BaseExpression:
    """The list a call of the chain sends: its `messages=`."""
    messages = site.kwarg("messages")
    assert messages is not None  # (the chain is made of the calls that send the list)
    return messages.value


class _LocalId:
    """The id kept in a variable next to a local (or module-level) list."""

    def __init__(self, name: str) -> None:
        self.name = name

    def code(self, list_expression: cst.BaseExpression | None) -> str:
        return self.name


class _InstanceId:
    """The id kept on the instance next to `self.<attr>`: `self.previous_response_id`."""

    def __init__(self, attr: str) -> None:
        self.attr = attr

    def code(self, list_expression: cst.BaseExpression | None) -> str:
        # (the list of a chain with an owner is `<first parameter>.<attr>`, never absent: a
        # chain with an owner has no loop, the one place that asks without a list)
        assert isinstance(list_expression, cst.Attribute) and isinstance(list_expression.value, cst.Name)
        return f"{list_expression.value.value}.{self.attr}"


def _free_attribute(ctx: FileContext, wanted: str) -> str:
    """`wanted`, or `wanted_2`, ... if the file already uses that attribute name anywhere."""
    used = {node.attr.value for node in ctx.tree.nodes(cst.Attribute)}
    name, number = wanted, 2
    while name in used:
        name, number = f"{wanted}_{number}", number + 1
    return name


def _free_name(ctx: FileContext, chain: Chain, wanted: str) -> str:
    """`wanted`, or `wanted_2`, ... if that name is already bound where the chain lives."""
    scope = ctx.tree.scope_of_node(chain.scope)
    name, number = wanted, 2
    while ctx.tree.lookup(name, scope):
        name, number = f"{wanted}_{number}", number + 1
    return name


def _keeping(chain: Chain) -> str:
    """How the server keeps the chain's responses, in words for the note (DashScope's own terms
    only for DashScope clients)."""
    providers = {site.client.target.provider for site in chain.sites if site.client is not None}
    if providers == {Provider.DASHSCOPE}:
        days = dashscope_facts()["response_id_validity_days"]
        return (
            f"(DashScope keeps response ids {days} days; `store` must stay true); "
            "--session-cache adds DashScope's session cache header"
        )
    return "(`store` must stay true)"
