"""References to the Chat Completions surface of an OpenAI client that are not calls: the bound
method `client.chat.completions.create` passed to a function, kept in a name or an attribute,
or replaced (monkeypatched), and the `client.chat` / `client.chat.completions` objects kept or
passed on. Calls (`client.chat.completions.create(...)`) are `CompletionCall`s (calls.py).

References are found on a client `Analysis.client` proves (the client class is imported from
`openai`, or made by a factory, or exported by a module of the run, that does so), and on a
receiver that is not proven but that the file assigns an OpenAI client among other values
(`self._client = client if client else OpenAI(...)`, a client from a wrapper package in one
branch): the evidence that it may be one. A receiver with no such value (a parameter, a test
double, a hand-written fake) is not here, nor is a receiver of another SDK (`groq.Groq()`) or of
a class of the project, whatever its method names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from migrator.analysis.calls import COMPLETION_METHODS, RESPONSE_WRAPPERS, Client

if TYPE_CHECKING:
    from migrator.analysis.calls import Analysis

#: What may follow each part of the surface: `chat` → `completions` → a wrapper or a method.
_NEXT: dict[str, frozenset[str]] = {
    "chat": frozenset({"completions"}),
    "completions": frozenset({*COMPLETION_METHODS, *RESPONSE_WRAPPERS}),
    **{wrapper: frozenset(COMPLETION_METHODS) for wrapper in RESPONSE_WRAPPERS},
}


@dataclass(frozen=True)
class ChatReference:
    """`<receiver>[.beta].chat[.completions[.<wrapper>][.<method>]]`, not called."""

    #: The whole reference (`client.chat.completions.create`), where the finding goes.
    node: cst.Attribute
    #: The client (`client`; without `.beta`).
    receiver: cst.BaseExpression
    #: The client, when the analysis proves it; None when the receiver only may be one.
    client: Client | None
    #: For a receiver that is not proven: an OpenAI client the file assigns it (among other values).
    may_be: cst.BaseExpression | None
    #: `create`, `parse` or `stream`; None for the `chat`, `chat.completions` or wrapper object.
    method: str | None
    #: `with_raw_response` / `with_streaming_response`, when the reference goes through one.
    wrapper: str | None
    #: The node is assigned to (`client.chat.completions.create = timed_create`).
    replaced: bool


def chat_references(analysis: Analysis) -> list[ChatReference]:
    """Every reference of the file to the Chat Completions surface of an OpenAI client (proven, or
    one the receiver may be) that is not the callee of a call, once each (at its longest node), in
    source order."""
    tree = analysis.tree
    found = []
    for name in tree.names_valued("chat"):  # (far fewer than the attributes of a file)
        chat = tree.parent(name)
        if not (isinstance(chat, cst.Attribute) and chat.attr is name):
            continue
        node, method, wrapper = chat, None, None
        # Up the chain: `chat` → `completions` → [`with_raw_response`] → `create`.
        while True:
            parent = tree.parent(node)
            step = node.attr.value
            if isinstance(parent, cst.Attribute) and step in _NEXT and parent.attr.value in _NEXT[step]:
                node = parent
                if parent.attr.value in RESPONSE_WRAPPERS:
                    wrapper = parent.attr.value
                elif parent.attr.value in COMPLETION_METHODS:
                    method = parent.attr.value
                continue
            break
        if isinstance(parent, cst.Call) and parent.func is node:
            continue  # a call: RSP001's (or not a method of the SDK, `client.chat()`)
        if isinstance(parent, cst.Attribute) and method is None:
            continue  # another part of the SDK (`client.chat.completions.list`), or not ours
        receiver = chat.value
        if isinstance(receiver, cst.Attribute) and receiver.attr.value == "beta":
            receiver = receiver.value
        client = analysis.client(receiver)
        may_be = None if client is not None else _openai_value(analysis, receiver)
        if client is None and may_be is None:
            continue
        replaced = _is_target(tree.parent(node), node)
        found.append(ChatReference(node, receiver, client, may_be, method, wrapper, replaced))
    return found


def _openai_value(analysis: Analysis, receiver: cst.BaseExpression) -> cst.BaseExpression | None:
    """A value the file assigns the receiver (a name, or `self.<attr>` in its class) that is an
    OpenAI client, when the receiver as a whole is not proven to be one."""
    return next((value for value in analysis.values_of(receiver) if analysis.client(value) is not None), None)


def _is_target(parent: cst.CSTNode | None, node: cst.CSTNode) -> bool:
    """`node` is what an assignment writes (`<node> = ...`, `<node>: T = ...`, `<node> += ...`)."""
    if isinstance(parent, cst.AssignTarget):
        return parent.target is node
    return isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and parent.target is node
