"""RSP002 output-text: `<result>.choices[0].message.content` becomes `<result>.output_text`.

What it does

`<result>` is a name bound to a call that RSP001 migrates (in the same scope, read anywhere
after: f-strings, returns, appends to a history list), or the call itself when the access is
chained onto it.

The message object kept in a name (`message = completion.choices[0].message`) follows when that
name is assigned once in its scope. Read only as `message.content` (and `message.role`, which
RSP018 makes `"assistant"`), it then holds the text. Read for its tool calls too (RSP014) or
appended to a history (RSP005, RSP015), it holds the response, and `message.content` becomes
`message.output_text`.

Why

A Response has no `choices`: `output_text` joins the text of every message in the response. It
is `""` where Chat gave `None` (a reply made only of tool calls).

Example

    - print(completion.choices[0].message.content)
    + print(completion.output_text)

    - message = completion.choices[0].message
    - return message.content.strip()
    + message = completion.output_text
    + return message.strip()

Fix safety

Part of migrating the call (RSP001 decides). A comparison of the content with `None` (or of a
name it is assigned to) would change meaning: it is reported, and the call stays, until it
tests truth instead (`if not ...`). A message object read any other way (`message.refusal`,
passed to a function, returned) keeps the call, and so does an assignment to the content.

Known problems

A name that holds the message object is followed only when it is assigned once in its scope;
otherwise the call stays.

Options

`--ignore RSP002` keeps every call whose text is read on Chat Completions (no other rule rewrites
the read).
"""

from __future__ import annotations

import libcst as cst

from migrator.syntax import SourceTree, descend, is_written, none_comparison
from migrator.analysis import CONTENT_PATH, MESSAGE_PATH, CompletionCall, ResultUse, Unfollowed, holder_display
from migrator.rules.base import FileContext
from migrator.rules.base import Rule


class OutputText(Rule):
    code = "RSP002"
    summary = "`.choices[0].message.content` on a migrated result becomes `.output_text`"
    triggers = ("completions",)
    keeps_sent_values = True

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            for use in site.uses:
                node = use.node_for(CONTENT_PATH)
                if node is not None and not is_written(ctx.tree, node):
                    site.claim_use(use)
                    self._check_none_test(site, ctx.tree, node)
                elif use.path == MESSAGE_PATH:
                    self._plan_message_name(site, use, ctx)

    def _plan_message_name(self, site: CompletionCall, use: ResultUse, ctx: FileContext) -> None:
        followed = ctx.analysis.holders.get(id(use.chain[-1]))
        if followed is None:
            return  # not kept in a name: another rule's, or left to RSP001's finding
        site.claim_use(use)  # (its reads are uses of their own, each claimed or reported)
        if isinstance(followed, Unfollowed):
            site.block(self.code, followed.node, f"{followed.reason}; migrate this call by hand")

    def _check_none_test(self, site: CompletionCall, tree: SourceTree, content: cst.BaseExpression) -> None:
        """Block the call where the text is compared with None, directly or through the name it
        is assigned to (`text = ...content`, then `if text is None:`)."""
        for read in (content, *_names_holding(tree, content)):
            comparison = none_comparison(tree, read)
            if comparison is not None:
                site.block(
                    self.code,
                    comparison,
                    f'`{tree.quote(comparison, 60)}`: on Responses the text is "" when there is none, never None; '
                    "test its truth instead (`if not ...`), then migrate",
                )

    def apply(self, ctx: FileContext) -> None:
        for use in ctx.migrated_uses():
            node = use.node_for(CONTENT_PATH)
            if node is not None and not is_written(ctx.tree, node) and use.path[: use.held] != MESSAGE_PATH:
                ctx.tree.edit(node, lambda n, steps=use.steps(CONTENT_PATH): _to_output_text(n, steps))
                read = ".choices[0].message.content" if not use.held else ctx.tree.code(node)
                ctx.report(node, self.code, f"`{read}` → `{_holder(ctx.tree, use)}.output_text`")
            elif use.path == MESSAGE_PATH and isinstance(reads := ctx.analysis.holders.get(id(use.chain[-1])), list):
                self._apply_message_name(ctx, use, reads)

    def _apply_message_name(self, ctx: FileContext, use: ResultUse, reads: list[ResultUse]) -> None:
        """Read only for its text, the name holds the text; read for more (its tool calls, appended
        to a history), the name holds the response, and its text is `.output_text`. (Reads
        through the name are rewritten here, with it.)"""
        message, steps = use.chain[-1], use.steps(MESSAGE_PATH)
        contents = [read.node_for(CONTENT_PATH) for read in reads]
        name = holder_display(ctx.tree, reads[0].base)  # (the name, or the call that returns it)
        # (`message.role` needs no response either: RSP018 makes it "assistant")
        if all(content or read.path[:4] == (*MESSAGE_PATH, "role") for content, read in zip(contents, reads)):
            ctx.tree.edit(message, lambda n: _message_to_output_text(n, steps))
            for content in filter(None, contents):
                ctx.tree.edit(content, _name_alone)
            ctx.report(message, self.code, f"`.choices[0].message` → `.output_text`; `{name}.content` → `{name}`")
            return
        ctx.tree.edit(message, lambda n: descend(n, steps))
        for content in filter(None, contents):
            ctx.tree.edit(content, _content_to_output_text)
        ctx.report(
            message,
            self.code,
            f"`{name}` now holds the response (`.choices[0].message` → the response itself); "
            f"`{name}.content` → `{name}.output_text`",
        )


def _holder(tree: SourceTree, use: ResultUse) -> str:
    """How a report names what holds the response: `` for the result itself, else the name
    that holds a part of it (and will hold the response)."""
    return holder_display(tree, use.base) if use.held else ""


def _names_holding(tree: SourceTree, value: cst.BaseExpression) -> list[cst.Name]:
    """The reads of the names `value` is assigned to (`name = value`, `a = b = value`), if it is."""
    statement = tree.parent(value)
    if not (isinstance(statement, (cst.Assign, cst.AnnAssign)) and statement.value is value):
        return []
    targets = [t.target for t in statement.targets] if isinstance(statement, cst.Assign) else [statement.target]
    bindings = [tree.binding_at(target) for target in targets if isinstance(target, cst.Name)]
    return [read for binding in bindings if binding is not None for read in tree.references(binding)]


def _to_output_text(node: cst.Attribute, steps: int) -> cst.Attribute:
    # node is `<result>.choices[0].message.content` (`steps` accesses above what holds the
    # response: four, or fewer through a name that holds a part of it).
    return cst.Attribute(value=descend(node, steps), attr=cst.Name("output_text"))


def _message_to_output_text(node: cst.BaseExpression, steps: int) -> cst.Attribute:
    # node is `<result>.choices[0].message` (`steps` accesses above what holds the response).
    return cst.Attribute(value=descend(node, steps), attr=cst.Name("output_text"))


def _content_to_output_text(node: cst.Attribute) -> cst.Attribute:
    return node.with_changes(attr=cst.Name("output_text"))


def _name_alone(node: cst.Attribute) -> cst.BaseExpression:
    return node.value
