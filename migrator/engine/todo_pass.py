"""`--todo-comments`: a `# TODO(migrator): ...` line above each call left for a human.

A call that stays on Chat Completions because of a finding that needs a human gets one comment
line per such finding, above the statement that holds it: `# TODO(migrator): RSPnnn <message>`.
The comment's text is its own key, numbers aside (a message may name a line, which the comments
themselves move): a statement that already has it above gets it no second time, so running
`apply --todo-comments` again adds nothing. Calls a suppression keeps, and findings a
suppression hides, get none.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from migrator.syntax import statement_of
from migrator.analysis import decisive_blocks

if TYPE_CHECKING:
    from migrator.rules.base import FileContext

MARKER = "# TODO(migrator):"


def add_comments(ctx: FileContext) -> None:
    for statement, texts in _comments_by_statement(ctx).items():
        ctx.tree.edit(statement, lambda node, texts=texts: _with_comments(node, texts))


def _comments_by_statement(ctx: FileContext) -> dict[cst.CSTNode, list[str]]:
    stays = [site for site in ctx.sites if not site.migrate and site.call not in ctx.kept]
    # The same findings as the report: the decisive reasons a call stays, not every one.
    blocks = [(site, block) for site in stays for block in decisive_blocks(site.blocks)]
    comments: dict[cst.CSTNode, list[str]] = {}
    for site, block in blocks:
        if ctx.suppressed(block.node, block.code):
            continue
        statement = statement_of(ctx.tree, site.call)
        if statement is None:
            continue
        text = f"{MARKER} {block.code} {_one_line(block.message)}"
        if block.unsafe:
            text += " (rewrite anyway with --unsafe-fixes)"
        texts = comments.setdefault(statement, [])
        if text not in texts:
            texts.append(text)
    return comments


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _with_comments(statement: cst.CSTNode, texts: list[str]) -> cst.CSTNode:
    if not hasattr(statement, "leading_lines"):
        return statement
    present = {_key(line.comment.value) for line in statement.leading_lines if line.comment is not None}
    new = [cst.EmptyLine(comment=cst.Comment(text)) for text in texts if _key(text) not in present]
    if not new:
        return statement
    return statement.with_changes(leading_lines=[*statement.leading_lines, *new])


def _key(comment: str) -> str:
    return _NUMBER.sub("#", comment.strip())


_NUMBER = re.compile(r"\d+")
