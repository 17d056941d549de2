"""RSP026 held-parts: a name that holds a part of a result is followed, and made to hold the same
part of the Response.

What it does

A name assigned `.choices[0]`, the `choices` list, `usage`, or `usage.prompt_tokens_details` /
`usage.completion_tokens_details` of a result is followed: every read through it is a read of
the result, mapped by the rule that maps that read (`choice.message.content` by RSP002,
`usage.prompt_tokens` by RSP006, `choice.finish_reason == "stop"` by RSP017, ...). Its
assignment then takes the same part of the Response:

- `.choices[0]` and `.choices` → the response itself (a Response has no choices), so
  `choice.message.content` becomes `choice.output_text`;
- `usage` stays `usage`;
- `usage.prompt_tokens_details` → `usage.input_tokens_details`, and
  `usage.completion_tokens_details` → `usage.output_tokens_details`.

Names that hold parts of these in turn are followed too (`choice = resp.choices[0]`, then
`message = choice.message`). The message object kept in a name is RSP002's.

Why

Real code keeps the part it reads in a name more often than not; the reads through it are the
same reads, and map the same way.

Example

    - choice = completion.choices[0]
    - print(choice.message.content, choice.finish_reason == "length")
    + choice = completion
    + print(choice.output_text, choice.status == "incomplete" and ...)

Fix safety

Part of migrating the call (RSP001 decides). Every read through the name must be mapped, or the
call stays with a finding that names the first read that is not (`choice.logprobs`,
`print(usage)`, `choices[1]`, `len(choices)`). A name assigned more than once, declared
`global`/`nonlocal`, annotated, or a class attribute is not followed, and the call stays.

Known problems

The name keeps its Chat-flavoured name (`choice` holds the response); rename it by hand if you
like.

Options

`--ignore RSP026` keeps every call whose result parts are kept in names on Chat Completions.
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax import descend
from migrator.analysis import HELD_PARTS, MESSAGE_PATH, ResultUse, Unfollowed, held_on_response, relative_to
from migrator.rules.base import FileContext
from migrator.rules.base import Rule


class HeldParts(Rule):
    code = "RSP026"
    summary = "a name that holds `.choices[0]` or `usage` of a result is followed and holds the same part of the Response"
    triggers = ("completions",)
    keeps_sent_values = True

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            for use in site.uses:
                if not _is_part(use):
                    continue
                followed = ctx.analysis.holders.get(id(use.chain[-1]))
                if followed is None:
                    continue  # not kept in a name: read here, another rule's or RSP001's finding
                site.claim_use(use)  # (its reads are uses of their own, each claimed or reported)
                if isinstance(followed, Unfollowed):
                    site.block(self.code, followed.node, f"{followed.reason}; migrate this call by hand")
                elif _new_part(use) is None:
                    site.block(
                        self.code,
                        use.chain[-1],
                        f"`{ctx.tree.quote(use.chain[-1], 60)}` holds {HELD_PARTS[use.path].description} "
                        "of a part that has none on Responses; migrate this call by hand",
                    )

    def apply(self, ctx: FileContext) -> None:
        for use in ctx.migrated_uses():
            if not _is_part(use) or not isinstance(ctx.analysis.holders.get(id(use.chain[-1])), list):
                continue
            steps = _new_part(use)
            assert steps is not None  # (plan blocks a part with no place on Responses)
            node = use.chain[-1]
            if use.path == HELD_PARTS[use.path].on_response:
                continue  # (`usage` is `usage`)
            ctx.tree.edit(node, lambda n, s=use.steps(use.path), to=steps: _on_response(n, s, to))
            part = HELD_PARTS[use.path]
            now = "the response" if not part.on_response else f"`.{'.'.join(map(str, part.on_response))}`"
            ctx.report(node, self.code, _holder(node, ctx).format(now=now, was=part.description))


def _is_part(use: ResultUse) -> bool:
    """A use that reads a part a name may hold, other than the message object (RSP002's)."""
    return use.path in HELD_PARTS and use.path != MESSAGE_PATH and not use.holder_read


def _holder(node: cst.BaseExpression, ctx: FileContext) -> str:
    """The report's template (`{now}`, `{was}`) for what holds the part `node` reads: the name
    it is assigned to, or the function that returns it (a followed part is one or the other)."""
    statement = ctx.tree.parent(node)
    if isinstance(statement, cst.Return):
        function = ctx.tree.enclosing(statement, (cst.FunctionDef,))
        assert isinstance(function, cst.FunctionDef)  # (only a function's returns are followed)
        return f"`{function.name.value}()` now returns {{now}} (it returned {{was}})"
    assert isinstance(statement, cst.Assign) and isinstance(statement.targets[0].target, cst.Name)
    return f"`{statement.targets[0].target.value}` now holds {{now}} (it held {{was}})"


def _new_part(use: ResultUse) -> tuple[str | int, ...] | None:
    """The steps from what the use's base will hold to the part's place on the Response."""
    return relative_to(HELD_PARTS[use.path].on_response, held_on_response(use.path, use.held))


def _on_response(node: cst.BaseExpression, steps: int, to: tuple[str | int, ...]) -> cst.BaseExpression:
    # node covers the Chat part, `steps` accesses above what will hold the response's `base`.
    new = descend(node, steps)
    for step in to:
        assert isinstance(step, str)  # (the Response parts in HELD_PARTS are attributes)
        new = cst.Attribute(value=new, attr=cst.Name(step))
    return new
