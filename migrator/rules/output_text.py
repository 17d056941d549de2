"""RSP002 output-text: `<result>.choices[0].message.content` becomes `<result>.output_text`.

`<result>` is a name bound to a call that RSP001 migrates (in the same scope, read anywhere
after: f-strings, returns, appends to a history list), or the call itself when the access is
chained onto it. `output_text` joins the text of every message in the response; it is `""`
where Chat gave `None` (a reply made only of tool calls), so a comparison of the content with
`None` (or of a name it is assigned to) would change meaning: it is reported, and the call
stays, until it tests truth instead.

The message object kept in a name (`message = completion.choices[0].message`) follows when that
name is assigned once in its scope and read only as `message.content`: it then holds the text.

    - print(completion.choices[0].message.content)
    + print(completion.output_text)

    - message = completion.choices[0].message
    - return message.content.strip()
    + message = completion.output_text
    + return message.strip()
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from migrator._cst_helpers import is_written, none_comparison
from migrator._tree import SourceTree
from migrator.analysis import CompletionCall, ResultUse, describe_escape, single_name_target
from migrator.engine import FileContext
from migrator.rules import Rule

MESSAGE_PATH = ("choices", 0, "message")
CONTENT_PATH = (*MESSAGE_PATH, "content")


class OutputText(Rule):
    code = "RSP002"
    summary = "`.choices[0].message.content` on a migrated result becomes `.output_text`"
    triggers = ("completions",)

    def __init__(self) -> None:
        #: The `message.content` reads of each claimed message name, by the id of its use.
        self.content_reads: dict[int, list[cst.Attribute]] = {}

    def plan(self, ctx: FileContext) -> None:
        for site in ctx.sites:
            for use in site.uses:
                node = use.node_for(CONTENT_PATH)
                if node is not None and not is_written(ctx.tree, node):
                    site.claim_use(use)
                    self._check_none_test(site, ctx.tree, node)
                elif use.path == MESSAGE_PATH:
                    self._plan_message_name(site, use, ctx.tree)

    def _plan_message_name(self, site: CompletionCall, use: ResultUse, tree: SourceTree) -> None:
        reads = _content_reads(tree, use.chain[-1])
        if reads is None:
            return  # not kept in a name: another rule's, or left to RSP001's finding
        site.claim_use(use)
        if isinstance(reads, _Refusal):
            site.block(self.code, reads.node, f"{reads.reason}; migrate this call by hand")
            return
        self.content_reads[id(use)] = reads
        for read in reads:
            self._check_none_test(site, tree, read)

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
            if node is not None and not is_written(ctx.tree, node):
                ctx.tree.edit(node, _to_output_text)
                ctx.report(node, self.code, "`.choices[0].message.content` → `.output_text`")
            elif id(use) in self.content_reads:
                message = use.chain[-1]
                ctx.tree.edit(message, _message_to_output_text)
                for read in self.content_reads[id(use)]:
                    ctx.tree.edit(read, _name_alone)
                name = ctx.tree.code(self.content_reads[id(use)][0].value)
                ctx.report(message, self.code, f"`.choices[0].message` → `.output_text`; `{name}.content` → `{name}`")


def _names_holding(tree: SourceTree, value: cst.BaseExpression) -> list[cst.Name]:
    """The reads of the names `value` is assigned to (`name = value`, `a = b = value`), if it is."""
    statement = tree.parent(value)
    if not (isinstance(statement, (cst.Assign, cst.AnnAssign)) and statement.value is value):
        return []
    targets = [t.target for t in statement.targets] if isinstance(statement, cst.Assign) else [statement.target]
    bindings = [tree.binding_at(target) for target in targets if isinstance(target, cst.Name)]
    return [read for binding in bindings if binding is not None for read in tree.references(binding)]


def _content_reads(tree: SourceTree, message: cst.BaseExpression) -> list[cst.Attribute] | _Refusal | None:
    """The `name.content` reads of the name that `message` (`<result>.choices[0].message`) is
    assigned to, when that is the name's only assignment in its scope and they are its only
    reads; a refusal saying why not; None when `message` is not assigned to a plain name."""
    statement = tree.parent(message)
    target = single_name_target(statement, message)
    if target is None or not isinstance(statement, cst.Assign):
        return None  # (an annotated name would keep the message type in its annotation)
    binding = tree.binding_at(target)
    if binding is None:
        return None
    name = binding.name
    if binding.is_class_attribute:
        return _Refusal(target, f"`{name}` holds the message object as a class attribute, which the tool cannot follow")
    if tree.bindings_in_scope_of(binding) != [binding]:
        return _Refusal(
            target, f"`{name}` holds the message object and is assigned more than once, which the tool cannot follow"
        )
    reads = []
    for reference in tree.references(binding):
        attribute = tree.parent(reference)
        if isinstance(attribute, cst.NameItem):  # `global name` / `nonlocal name` in a function
            return _Refusal(reference, f"`{name}` holds the message object and {describe_escape(tree, reference)}")
        if tree.bindings_of(reference) != [binding]:
            return _Refusal(
                reference, f"`{name}` may hold the message object or another value here, which the tool cannot follow"
            )
        if not (
            isinstance(attribute, cst.Attribute)
            and attribute.value is reference
            and attribute.attr.value == "content"
            and not is_written(tree, attribute)
        ):
            used = tree.quote(attribute if isinstance(attribute, cst.Attribute) else reference, 60)
            return _Refusal(
                reference,
                f"`{name}` holds the message object and is used as `{used}`: only its `.content` is rewritten",
            )
        reads.append(attribute)
    return reads or None


@dataclass(frozen=True)
class _Refusal:
    node: cst.CSTNode
    reason: str


def _to_output_text(node: cst.Attribute) -> cst.Attribute:
    # node is `<result>.choices[0].message.content`: four steps down is `<result>`.
    result = node.value.value.value.value
    return cst.Attribute(value=result, attr=cst.Name("output_text"))


def _message_to_output_text(node: cst.Attribute) -> cst.Attribute:
    # node is `<result>.choices[0].message`: three steps down is `<result>`.
    return cst.Attribute(value=node.value.value.value, attr=cst.Name("output_text"))


def _name_alone(node: cst.Attribute) -> cst.BaseExpression:
    return node.value
