"""References to the Chat Completions surface of an OpenAI client that are not calls: the bound
method `client.chat.completions.create` passed to a function, kept in a name or an attribute,
or replaced (monkeypatched), and the `client.chat` / `client.chat.completions` objects kept or
passed on. Calls (`client.chat.completions.create(...)`) are `CompletionCall`s (calls.py).

Only references on a client `Analysis.client` proves are found: the client class is imported
from `openai` (or made by a factory, or exported by a module of the run, that does so). A
receiver of another SDK (`groq.Groq()`) or of a class of the project is never proven, and so is
never here, whatever its method names.
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
    client: Client
    #: `create`, `parse` or `stream`; None for the `chat`, `chat.completions` or wrapper object.
    method: str | None
    #: `with_raw_response` / `with_streaming_response`, when the reference goes through one.
    wrapper: str | None
    #: The node is assigned to (`client.chat.completions.create = timed_create`).
    replaced: bool


def chat_references(analysis: Analysis) -> list[ChatReference]:
    """Every reference of the file to the Chat Completions surface of a proven OpenAI client
    that is not the callee of a call, once each (at its longest node), in source order."""
    tree = analysis.tree
    found = []
    for chat in tree.nodes(cst.Attribute):
        if chat.attr.value != "chat":
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
        if client is None:
            continue
        found.append(ChatReference(node, receiver, client, method, wrapper, _is_target(tree.parent(node), node)))
    return found


def _is_target(parent: cst.CSTNode | None, node: cst.CSTNode) -> bool:
    """`node` is what an assignment writes (`<node> = ...`, `<node>: T = ...`, `<node> += ...`)."""
    if isinstance(parent, cst.AssignTarget):
        return parent.target is node
    return isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and parent.target is node
