"""RSP028 chat-references: `client.chat.completions.create` (or `parse`, `stream`) used as a
value, not called, is reported, with what to do.

What it does

Every reference to a Chat Completions method of an OpenAI client that is not a call gets a
finding at its place: the bound method passed to a function
(`self._retry(self._client.chat.completions.create, **kwargs)`,
`functools.partial(client.chat.completions.create, model=MODEL)`,
`inspect.signature(client.chat.completions.create)`), kept in a name or an attribute
(`create = client.chat.completions.create`; the later `create(...)` is the call it stands for,
and the finding says on which lines it is called), or replaced (`client.chat.completions.create =
timed_create`, monkeypatching in profiling code). The same goes for `beta.chat.completions.*`,
`chat.completions.with_raw_response.*` / `with_streaming_response.*`, and for the objects
`client.chat`, `client.chat.completions` (or a wrapper of it) kept in a name or an attribute,
passed on or replaced (`self._completions = client.chat.completions`). Nothing is rewritten.

A client that stays on Chat Completions whatever its calls are (another provider's base URL, an
Azure client, a DashScope region that does not serve Responses) gets the note RSP001 gives its
calls, "it stays on Chat Completions", as information, not a warning.

Why

migrator migrates a call it sees whole, `client.chat.completions.create(...)`, where it can read
the arguments and follow the result. A call through a bound method kept elsewhere (agent
frameworks hand it to a retry helper; every request of such a framework goes through it) is
invisible to it, and so stays on Chat Completions after `apply`, while the lint said nothing.
A replaced method no longer sees the calls that move to `client.responses.create`.

Example

    self._retry(self._client.chat.completions.create, model=MODEL, messages=messages)
    # RSP028: `self._client.chat.completions.create` is passed to `self._retry()` ...

Fix safety

A report only. Call the method directly (`self._client.chat.completions.create(...)` inside the
helper's caller, or the helper calling `self._client.chat.completions.create(...)` itself) so
that migrator can migrate the call, or move the call it stands for to
`client.responses.create(...)` by hand. The reference changes nothing RSP001 decides: in a file
whose direct calls migrate, they migrate, and the reference to the same client's method is
reported beside them; but a file that replaces a Chat method (`client.chat.completions.create =
timed_create`) keeps its calls on Chat Completions, as moved they would no longer go through the
replacement.

References are reported on a client the tool proves to be an OpenAI SDK client (the same proof
as for a call: `OpenAI` / `AsyncOpenAI` imported from `openai`, held in a name, an attribute, a
parameter annotated with it, made by a factory function, or exported by a module of the run), and
on a receiver it does not prove but that the file assigns an OpenAI client among other values
(`self._client = client` in one branch, `self._client = OpenAI(...)` in the other, as agent
frameworks write their model backends): the finding then says that it may be that client. One
that may also be another SDK's client, or is on another provider, gets the note instead. A
receiver with no OpenAI client among its values is not reported, even in a file that imports
openai, where RSP001 reports such a call as an assumption: a call can then be migrated with
`--unsafe-fixes`, a reference cannot, and such receivers are mostly test doubles (`MagicMock()`,
a fixture) and hand-written fakes, which must not be reported line by line. Annotate the
parameter that holds the client (`client: OpenAI`) to have its references reported.

Known problems

A receiver with no OpenAI client among the values the file shows (a parameter without
annotation, a client stored on another object or set by a base class in another module) has its
references left unreported. A call through a bound method passed to a function
of the run that only forwards its arguments is reported, not migrated.

Options

`--ignore RSP028` leaves these references unreported; `# migrator: ignore[RSP028]` on a line
silences the one there.
"""

from __future__ import annotations

import libcst as cst

from migrator.analysis import ChatReference, Provider, chat_references
from migrator.findings import Severity
from migrator.rules.base import FileContext
from migrator.rules.base import Rule
from migrator.syntax import SourceTree

SILENCE = "(to silence: `--ignore RSP028`, or `# migrator: ignore[RSP028]` on this line)"


class ChatReferences(Rule):
    code = "RSP028"
    summary = "`chat.completions.create` and the `chat` objects of a client used as values, not called, are reported"
    triggers = ("chat",)
    keeps_sent_values = True

    def plan(self, ctx: FileContext) -> None:
        """A file that replaces a client's Chat method keeps its calls on Chat Completions: moved
        to `responses.create`, they would no longer go through the replacement (a timer, a
        retry, a cache), and the program would do something else."""
        replaced = next((r for r in chat_references(ctx.analysis) if r.replaced and r.method is not None), None)
        if replaced is None:
            return
        line = ctx.tree.position(replaced.node)[0]
        for site in ctx.sites:
            site.block(
                self.code,
                site.call.func,
                f"`{ctx.tree.quote(replaced.node, 60)}` is replaced on line {line}: moved to the Responses API, "
                "this call would no longer go through the replacement; move both by hand",
            )

    def apply(self, ctx: FileContext) -> None:
        tree = ctx.tree
        for reference in chat_references(ctx.analysis):
            what = f"`{tree.quote(reference.node, 60)}` {_use(tree, reference)}"
            staying = self._staying(ctx, reference)
            if staying is not None:
                ctx.report(reference.node, self.code, f"{what}; {staying}", Severity.INFO, False)
                continue
            client = reference.client
            if client is None:  # (not proven: an OpenAI client is among the values it holds)
                assert reference.may_be is not None  # (what `chat_references` found it by)
                client = ctx.analysis.client(reference.may_be)
                assert client is not None
                line = tree.position(reference.may_be)[0]
                what += (
                    f" (`{tree.quote(reference.receiver, 40)}` is not shown to be an OpenAI SDK client, but it may be "
                    f"the one made on line {line})"
                )
            advice = _advice(tree, reference, unknown=client.target.provider is Provider.UNKNOWN)
            ctx.report(reference.node, self.code, f"{what}: {advice} {SILENCE}", Severity.WARNING, fixable=False)

    @staticmethod
    def _staying(ctx: FileContext, reference: ChatReference) -> str | None:
        """Why calls on this client stay on Chat Completions whatever they are, in RSP001's words;
        None when they may move."""
        client = reference.client
        if client is None:
            other = ctx.analysis.other_client(reference.receiver)
            if other is None:
                return None
            return f"`{ctx.tree.quote(reference.receiver, 40)}` may be {other}; it stays on Chat Completions"
        target = client.target
        if target.provider is Provider.OTHER:
            return f"the client is not on OpenAI or DashScope ({target.evidence}); it stays on Chat Completions"
        if target.unsupported:
            return f"the client's {target.evidence}: {target.unsupported}; it stays on Chat Completions"
        return None


def _use(tree: SourceTree, reference: ChatReference) -> str:
    """What the code does with the reference: `is passed to `retry()``, `is kept in `create``."""
    node = reference.node
    if reference.replaced:
        return "is replaced here"
    parent = tree.parent(node)
    if isinstance(parent, cst.Arg):
        call = tree.parent(parent)
        assert isinstance(call, cst.Call)  # (an argument's parent)
        return f"is passed to `{tree.quote(call.func, 40)}()`"
    if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
        targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
        if len(targets) == 1 and isinstance(targets[0], (cst.Name, cst.Attribute)):
            return f"is kept in `{tree.quote(targets[0], 40)}`{_calls_through(tree, targets[0])}"
    if isinstance(parent, cst.Return):
        return "is returned"
    return "is referenced, not called"


def _calls_through(tree: SourceTree, target: cst.Name | cst.Attribute) -> str:
    """`, called on line 14` for a name the method is kept in (the call it stands for)."""
    binding = tree.binding_at(target) if isinstance(target, cst.Name) else None
    if binding is None:
        return ""
    lines = sorted(
        {
            tree.position(load)[0]
            for load in tree.references(binding)
            if isinstance(call := tree.parent(load), cst.Call) and call.func is load
        }
    )
    if not lines:
        return ""
    return f", called on line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}"


def _advice(tree: SourceTree, reference: ChatReference, *, unknown: bool) -> str:
    """What to do. `unknown`: the code does not show where the client sends its requests."""
    by_hand = "by hand"
    if unknown:
        by_hand += ", if its endpoint serves the Responses API (the code does not show where it points)"
    receiver = tree.quote(reference.receiver, 40)
    # `client.responses`, `client.responses.with_raw_response.create`: where the calls go on Responses.
    on_responses = ".".join([f"{receiver}.responses", *filter(None, (reference.wrapper, reference.method))])
    if reference.replaced:
        return (
            f"calls that move to `{on_responses}` do not go through the replacement, so migrator keeps this "
            "file's calls on Chat Completions; replace that method the same way when you move them by hand"
        )
    if reference.method is None:
        return (
            "the calls made through it stay on Chat Completions, as migrator migrates only calls written "
            f"`{receiver}.chat.completions.<method>(...)`; call the methods on the client that way so that "
            f"migrator can migrate them, or move them to `{on_responses}` {by_hand}"
        )
    return (
        "calls through it stay on Chat Completions, as migrator migrates only direct calls; call the method "
        f"directly so that migrator can migrate them, or move them to `{on_responses}(...)` {by_hand}"
    )
