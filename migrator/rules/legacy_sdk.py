"""RSP027 legacy-sdk: calls of the pre-1.0 SDK's `openai.ChatCompletion.create` / `acreate` are
reported, with what to do.

What it does

Every use of `openai.ChatCompletion.create` or `openai.ChatCompletion.acreate`, called or only
referenced (`retry(openai.ChatCompletion.create, ...)`), also through `from openai import
ChatCompletion`, gets a finding at its place. Nothing is rewritten.

Why

The openai package removed these in 1.0 (November 2023): with a current SDK the call raises
`APIRemovedInV1` before sending anything. Tutorials and notebooks still carry them. The way
forward is two steps: a client of the current SDK (`client = OpenAI()`,
`client.chat.completions.create(...)`; OpenAI's `openai migrate` does it), then this tool moves
that call to the Responses API.

Example

    openai.ChatCompletion.create(model="gpt-4o", messages=messages)
    # RSP027: the pre-1.0 SDK's `openai.ChatCompletion.create()` ...

Fix safety

A report only: the move to a client changes how the API key, the base URL and errors are set
and caught, which is the user's to decide.

Known problems

Only the names as the openai package imports them are recognized: a name of another package
(`litellm`, a class of the project called `ChatCompletion`) is never reported.

Options

`--ignore RSP027` leaves these uses unreported.
"""

from __future__ import annotations

import libcst as cst

from migrator.findings import Severity
from migrator.rules.base import FileContext
from migrator.rules.base import Rule

#: The pre-1.0 SDK's chat methods, by qualified name.
LEGACY_METHODS = frozenset({"openai.ChatCompletion.create", "openai.ChatCompletion.acreate"})
ADVICE = (
    "is the pre-1.0 SDK (removed in openai 1.0: it raises APIRemovedInV1); move it to a client "
    "first (`client = OpenAI()`, `client.chat.completions.create(...)`: `openai migrate` does it), "
    "then run migrator again to move that call to the Responses API"
)


class LegacySdk(Rule):
    code = "RSP027"
    summary = "pre-1.0 `openai.ChatCompletion.create` / `acreate` calls and references are reported"
    triggers = ("ChatCompletion",)
    keeps_sent_values = True

    def apply(self, ctx: FileContext) -> None:
        tree = ctx.tree
        for node in tree.nodes(cst.Attribute):
            name = tree.qualified_name(node)
            if name not in LEGACY_METHODS:
                continue
            parent = tree.parent(node)
            called = isinstance(parent, cst.Call) and parent.func is node
            method = name.rsplit(".", 1)[1]
            what = f"`openai.ChatCompletion.{method}()`" if called else f"`openai.ChatCompletion.{method}` (referenced)"
            ctx.report(node, self.code, f"{what} {ADVICE}", Severity.WARNING, fixable=False)
