"""RSP005 history-reply: a reply appended to a hand-kept history as a message object becomes
a plain assistant message.

What it does

`messages.append(completion.choices[0].message)`, or `.model_dump()` of it, becomes
`messages.append({"role": "assistant", "content": completion.output_text})`. So does the
message kept in a name (`reply = completion.choices[0].message`, then `messages.append(reply)`):
RSP002 makes that name hold the response. A reply appended as `.choices[0].message.content` is
covered by RSP002.

Why

`messages.append(completion.choices[0].message)` stores the SDK's message object (and
`.model_dump()` of it, a dict with the same role and content); a Response has no such object,
and its `output` items are not all valid input on every provider. The plain assistant message
is what both APIs accept.

Example

    - messages.append(completion.choices[0].message)
    + messages.append({"role": "assistant", "content": completion.output_text})

Fix safety

Part of migrating the call (RSP001 decides), for a one-argument `.append(...)` of the reply.
Calls that offer tools (`tools=` or `functions=`) are not rewritten here: their replies may
carry tool calls (RSP015). Where the whole conversation can become a `previous_response_id`
chain (RSP021), the append is replaced by the chain instead.

Known problems

None known.

Options

`--ignore RSP005` keeps calls whose reply is appended this way on Chat Completions.
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax import descend, expression
from migrator.analysis import ResultUse
from migrator.analysis import REPLY_PATHS
from migrator.rules.base import FileContext
from migrator.rules.base import Rule

TOOL_PARAMS = ("tools", "functions")


class HistoryReply(Rule):
    code = "RSP005"
    summary = "`history.append(<result>.choices[0].message)` appends an assistant message dict"
    triggers = ("completions",)

    def __init__(self) -> None:
        self.claimed: set[int] = set()  # the replies of calls with tools are RSP015's

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            if any(site.kwarg(name) is not None for name in TOOL_PARAMS):
                continue
            for use in site.uses:
                if _is_appended_reply(ctx, use):
                    site.claim_use(use)
                    self.claimed.add(id(use))

    def apply(self, ctx: FileContext) -> None:
        for use in ctx.migrated_uses():
            if id(use) in self.claimed:
                message_path = use.path[:-2] if use.path[-1:] == ("()",) else use.path  # (no .model_dump())
                steps = use.steps(message_path)
                ctx.tree.edit(use.chain[-1], lambda node, s=steps: _to_message_dict(node, s))
                ctx.report(use.chain[-1], self.code, "the appended message object → an assistant message dict")


def _is_appended_reply(ctx: FileContext, use: ResultUse) -> bool:
    if use.path not in REPLY_PATHS:
        return False
    arg = ctx.tree.parent(use.chain[-1])
    call = ctx.tree.parent(arg) if isinstance(arg, cst.Arg) else None
    return (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "append"
        and len(call.args) == 1
        and isinstance(arg, cst.Arg)
        and arg.keyword is None
    )


def _to_message_dict(node: cst.BaseExpression, steps: int) -> cst.BaseExpression:
    # node is `<result>.choices[0].message` or `<result>.choices[0].message.model_dump()`
    # (`steps` accesses below the message is the response).
    message = descend(node, 2) if isinstance(node, cst.Call) else node  # (the call, then `.model_dump`)
    result = descend(message, steps)
    reply = expression('{"role": "assistant", "content": _.output_text}')
    assert isinstance(reply, cst.Dict)  # (the literal above)
    role, content = reply.elements
    assert isinstance(content, cst.DictElement)
    return reply.with_changes(elements=[role, content.with_changes(value=content.value.with_changes(value=result))])
